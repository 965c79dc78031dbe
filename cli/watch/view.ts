import { z } from "zod";
import { addUsage, type Usage, ZERO_USAGE } from "../../core/agents/usage";
import type { RunEvent } from "../../core/wire/frames";
import { brief, formatDuration, printJsonLine, say } from "../output";
import type { RunApproval, RunBody } from "../types";
import { type NodeChange, type Progress, progressBar } from "./progress";

/** What a watcher shows; a person's terminal and `--json` each get their own. */
export interface WatchView {
  begin(run: RunBody): void;
  event(event: RunEvent, change: NodeChange | null): void;
  reconnecting(info: { attempt: number; after: number; reason: string }): void;
  notice(message: string): void;
  /** Clears any live line before a prompt writes to the terminal. */
  suspend(): void;
  waiting(run: RunBody, approvals: readonly RunApproval[]): void;
  finish(run: RunBody): void;
}

/** Model usage as the API reports it, per run, node or execution. */
export type UsageTotals = Usage;

const ExecutionUsage = z.object({
  promptTokens: z.number(),
  completionTokens: z.number(),
  cachedTokens: z.number(),
  calls: z.number(),
  costUsd: z.number().nullable(),
});

/**
 * Model tokens and cost: `1,970 tokens (896 cached) · $0.0012 of $0.50`; empty while the run
 * has made no model call and has no budget.
 */
export function usageLine(
  usage: UsageTotals & { budget?: { tokens?: number; costUsd?: number } },
): string {
  if (usage.calls === 0 && !usage.budget) return "";
  const tokens = usage.promptTokens + usage.completionTokens;
  const cached =
    usage.cachedTokens > 0 ? ` (${usage.cachedTokens.toLocaleString("en-US")} cached)` : "";
  const ofTokens =
    usage.budget?.tokens === undefined ? "" : ` of ${usage.budget.tokens.toLocaleString("en-US")}`;
  const parts = [`${tokens.toLocaleString("en-US")}${ofTokens} tokens${cached}`];
  if (usage.costUsd !== null) {
    const ofCost = usage.budget?.costUsd === undefined ? "" : ` of $${usage.budget.costUsd}`;
    parts.push(`$${usage.costUsd.toFixed(4)}${ofCost}`);
  } else parts.push("cost unknown (a model has no price)");
  return parts.join(" · ");
}

/**
 * Usage so far, folded from events: each agent execution's `node_succeeded`/`node_failed`
 * carries its usage once (keyed by node and attempt, so a replayed backlog never counts twice).
 */
export class UsageTally {
  private readonly byExecution = new Map<string, UsageTotals>();
  private budget: { tokens?: number; costUsd?: number } | undefined;

  constructor(run: RunBody) {
    this.budget = run.usage.budget;
  }

  /** True when the event changed the totals. */
  apply(event: RunEvent): boolean {
    if (event.type !== "node_succeeded" && event.type !== "node_failed") return false;
    const parsed = ExecutionUsage.safeParse(event.data?.usage);
    if (!parsed.success) return false;
    this.byExecution.set(`${event.nodeId}:${String(event.data?.attempt)}`, parsed.data);
    return true;
  }

  line(run?: RunBody): string {
    if (run) {
      this.budget = run.usage.budget;
      return usageLine(run.usage);
    }
    const total = [...this.byExecution.values()].reduce<UsageTotals>(addUsage, ZERO_USAGE);
    return usageLine(this.budget ? { ...total, budget: this.budget } : total);
  }
}

const ICONS: Record<NodeChange["status"], string> = {
  pending: "·",
  queued: "…",
  running: "▶",
  waiting: "⏸",
  succeeded: "✓",
  failed: "✗",
  skipped: "-",
  cancelled: "⊘",
};

function clock(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

function decideHint(runId: string, nodeId: string): string {
  return `aob approvals approve ${runId} ${nodeId} [--comment TEXT]   (or: aob approvals reject ${runId} ${nodeId})`;
}

/**
 * Status lines for a person. On a terminal, a progress bar stays on the last line and is redrawn
 * under each new line; elsewhere (a pipe, a log) it is printed once at the end.
 */
export class HumanView implements WatchView {
  private width = 4;
  private usage = "";
  private tally: UsageTally | null = null;
  private footerShown = false;

  constructor(
    private readonly progress: Progress,
    private readonly live: boolean,
  ) {}

  private bar(): string {
    const bar = progressBar(this.progress.done, this.progress.total);
    return this.usage ? `${bar} · ${this.usage}` : bar;
  }

  private clearFooter(): void {
    if (this.footerShown) process.stdout.write("\r\x1b[2K");
    this.footerShown = false;
  }

  private print(line: string): void {
    this.clearFooter();
    say(line);
    if (this.live) {
      process.stdout.write(this.bar());
      this.footerShown = true;
    }
  }

  begin(run: RunBody): void {
    this.width = Math.max(4, ...run.nodes.map((n) => n.id.length));
    this.tally = new UsageTally(run);
    this.usage = usageLine(run.usage);
    this.print(
      `watching run ${run.id} (workflow ${run.workflowId} v${run.version}): ${run.status}`,
    );
  }

  event(event: RunEvent, change: NodeChange | null): void {
    if (this.tally?.apply(event)) this.usage = this.tally.line();
    const count = `[${String(this.progress.done).padStart(String(this.progress.total).length)}/${this.progress.total}]`;
    if (change) {
      // queued is noise next to started; an approval's wait is told by approval_required.
      if (change.status === "queued") return;
      if (change.status === "waiting" && change.detail === "approval") return;
      const detail = change.detail ? `  ${change.detail}` : "";
      const took = change.durationMs === undefined ? "" : `  ${formatDuration(change.durationMs)}`;
      this.print(
        `${clock(event.at)} ${count} ${ICONS[change.status]} ${change.nodeId.padEnd(this.width)}  ${change.status.padEnd(9)}${took}${detail}`.trimEnd(),
      );
      return;
    }
    const data = event.data ?? {};
    switch (event.type) {
      case "approval_required":
        this.print(
          `${clock(event.at)} ${count} ${ICONS.waiting} ${(event.nodeId ?? "").padEnd(this.width)}  waiting for approval: ${brief(data.message ?? "")}`,
        );
        return;
      case "approval_voted":
      case "approval_decided": {
        const what =
          event.type === "approval_voted"
            ? `vote ${String(data.decision)} (${String(data.approvals)} of ${String(data.required)})`
            : String(data.decision);
        const by = typeof data.by === "string" ? ` by ${data.by}` : "";
        const comment =
          typeof data.comment === "string" && data.comment ? ` ("${data.comment}")` : "";
        const timedOut = data.timedOut ? " (timed out)" : "";
        this.print(
          `${clock(event.at)} ${count}   ${(event.nodeId ?? "").padEnd(this.width)}  ${what}${by}${comment}${timedOut}`,
        );
        return;
      }
      case "patch_applied":
      case "patch_rejected": {
        const by = event.nodeId ? ` from ${event.nodeId}` : "";
        const added = Array.isArray(data.addedNodes) ? (data.addedNodes as string[]) : [];
        const problems = Array.isArray(data.problems)
          ? (data.problems as { at: string; message: string }[])
          : [];
        const what =
          event.type === "patch_applied"
            ? `patch ${String(data.patchId)}${by} applied${added.length > 0 ? `: added ${added.join(", ")}` : ""}`
            : `patch ${String(data.patchId)}${by} rejected: ${problems.map((p) => `${p.at}: ${p.message}`).join("; ")}`;
        this.print(`${clock(event.at)} ${count}   ${what}`);
        return;
      }
      case "tool_called": {
        const outcome = data.source === "refused" ? "refused" : data.ok ? "ok" : "error";
        this.print(
          `${clock(event.at)} ${count}   ${(event.nodeId ?? "").padEnd(this.width)}  tool ${String(data.name)} ${outcome}  ${formatDuration(Number(data.ms ?? 0))}`,
        );
        return;
      }
      default:
        return;
    }
  }

  reconnecting(info: { attempt: number; after: number; reason: string }): void {
    this.clearFooter();
    process.stderr.write(
      `connection lost (${info.reason}); reconnecting from event ${info.after} (try ${info.attempt})\n`,
    );
  }

  notice(message: string): void {
    this.print(message);
  }

  suspend(): void {
    this.clearFooter();
  }

  waiting(run: RunBody, approvals: readonly RunApproval[]): void {
    this.clearFooter();
    this.usage = usageLine(run.usage);
    say(this.bar());
    for (const a of approvals) {
      say(`run ${run.id} is waiting for approval of ${a.nodeId}: ${a.message}`);
      say(`decide with: ${decideHint(run.id, a.nodeId)}`);
    }
  }

  finish(run: RunBody): void {
    this.clearFooter();
    this.usage = usageLine(run.usage);
    say(this.bar());
    const took =
      run.finishedAt === undefined ? "" : ` in ${formatDuration(run.finishedAt - run.createdAt)}`;
    say(`run ${run.id} ${run.status}${took}`);
    if (run.error) {
      say(`error at node ${run.error.nodeId}: ${run.error.code}: ${run.error.message}`);
    }
    if (run.status === "completed" && run.output !== undefined) {
      say(`output: ${JSON.stringify(run.output, null, 2)}`);
    }
  }
}

/** `--json`: one JSON object per line: events as they come, then how the watch ended. */
export class JsonView implements WatchView {
  begin(run: RunBody): void {
    printJsonLine({ type: "watching", runId: run.id, status: run.status, lastSeq: run.lastSeq });
  }
  event(event: RunEvent): void {
    printJsonLine({ type: "event", event });
  }
  reconnecting(info: { attempt: number; after: number; reason: string }): void {
    printJsonLine({ type: "reconnecting", ...info });
  }
  notice(message: string): void {
    printJsonLine({ type: "notice", message });
  }
  suspend(): void {}
  waiting(run: RunBody, approvals: readonly RunApproval[]): void {
    printJsonLine({ type: "waiting_for_approval", runId: run.id, approvals, run });
  }
  finish(run: RunBody): void {
    printJsonLine({ type: "result", status: run.status, run });
  }
}
