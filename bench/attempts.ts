/**
 * Runs that may be refused or fail, for the payload and big-run benches: where bench/clients.ts
 * treats anything but `completed` as a broken bench, these record how an engine said no (the
 * HTTP status and error of a refused create or start, a failed node's code and message, an
 * errored Workflows instance's error), because today's refusals are the baseline.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { WorkflowDefinitionInput } from "../core/workflow/definition";
import { POLL_MS, type ProjectionView, type RunEvent } from "./clients";
import type { BenchOutput, BenchParams } from "./worker";

/** How a run ended: `refused` when the engine would not take it (or stopped it at a limit). */
export type Outcome =
  | { status: "completed" }
  | { status: "failed" | "refused"; code: string; message: string };

export interface Attempt {
  outcome: Outcome;
  /** From sending the start request to the first poll that saw the end. */
  wallMs: number;
}

const PROJECTION_DEADLINE_MS = 120_000;

async function send(
  url: string,
  init: RequestInit = {},
  timeoutMs = 120_000,
): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the text is the message
  }
  return { status: res.status, json, text };
}

/** An aob error answer `{ error: { code, message, details? } }` as an outcome. */
function refusal(status: number, json: unknown, text: string, stage: string): Outcome {
  const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)
    ?.error;
  const details = error?.details === undefined ? "" : ` ${JSON.stringify(error.details)}`;
  return {
    status: "refused",
    code: `${stage} ${status}${error?.code ? ` ${error.code}` : ""}`,
    message: `${error?.message ?? text.slice(0, 300)}${details.slice(0, 400)}`,
  };
}

export class AobAttempts {
  constructor(
    private readonly base: string,
    private readonly key: string,
  ) {}

  private headers(json = false): Record<string, string> {
    const h: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (json) h["content-type"] = "application/json";
    return h;
  }

  /** `POST /api/workflows`: the workflow's id, or the refusal (status, code, message). */
  async create(definition: WorkflowDefinitionInput): Promise<{ id: string } | Outcome> {
    let answer: Awaited<ReturnType<typeof send>>;
    try {
      answer = await send(`${this.base}/api/workflows`, {
        method: "POST",
        headers: this.headers(true),
        body: JSON.stringify(definition),
      });
    } catch (err) {
      // A server that answers before reading a large body may close the connection under it.
      const cause = (err as { cause?: unknown }).cause;
      const message = cause === undefined ? String(err) : `${String(err)}: ${String(cause)}`;
      return { status: "refused", code: "create connection", message };
    }
    const { status, json, text } = answer;
    const id = (json as { id?: unknown } | null)?.id;
    if (status >= 200 && status < 300 && typeof id === "string") return { id };
    return refusal(status, json, text, "create");
  }

  /**
   * Starts a run and polls it to its end (or `deadlineMs`), then waits until D1 holds its end
   * (and, when it completed, one execution row per node), so that one run's background writes
   * do not overlap the next. A failed run's outcome is its last failed node's error.
   */
  async run(workflowId: string, nodes: number, deadlineMs: number): Promise<Attempt> {
    const t0 = performance.now();
    const started = await send(`${this.base}/api/workflows/${workflowId}/runs`, {
      method: "POST",
      headers: this.headers(true),
      body: JSON.stringify({ input: null }),
    });
    const runId = (started.json as { runId?: unknown } | null)?.runId;
    if (started.status >= 300 || typeof runId !== "string") {
      return {
        outcome: refusal(started.status, started.json, started.text, "start"),
        wallMs: performance.now() - t0,
      };
    }
    let status = "";
    for (;;) {
      const polled = await send(`${this.base}/api/runs/${runId}`, { headers: this.headers() });
      status = String((polled.json as { status?: unknown } | null)?.status ?? "");
      if (status === "completed" || status === "failed" || status === "cancelled") break;
      if (performance.now() - t0 > deadlineMs) {
        const message = `run ${runId} still ${status} after ${deadlineMs} ms`;
        return { outcome: { status: "failed", code: "bench_deadline", message }, wallMs: NaN };
      }
      await sleep(POLL_MS);
    }
    const wallMs = performance.now() - t0;
    const outcome: Outcome =
      status === "completed" ? { status: "completed" } : await this.failure(runId, status);
    await this.waitProjected(runId, status, status === "completed" ? nodes : 0);
    return { outcome, wallMs };
  }

  /** The last `node_failed` of a run: its error code and message. */
  private async failure(runId: string, status: string): Promise<Outcome> {
    let after = 0;
    let last: RunEvent | undefined;
    for (;;) {
      const { json } = await send(
        `${this.base}/api/runs/${runId}/events?after=${after}&limit=5000`,
        {
          headers: this.headers(),
        },
      );
      const events = (json as { events?: RunEvent[] } | null)?.events ?? [];
      last = events.findLast((e) => e.type === "node_failed") ?? last;
      if (events.length < 5000) break;
      after = events.at(-1)?.seq ?? after;
    }
    const error = last?.data?.error as { code?: string; message?: string } | undefined;
    return {
      status: "failed",
      code: error?.code ?? `run_${status}`,
      message: `${last?.nodeId ? `node ${last.nodeId}: ` : ""}${error?.message ?? "no node_failed event"}`,
    };
  }

  private async waitProjected(runId: string, status: string, executions: number): Promise<void> {
    const t0 = performance.now();
    for (;;) {
      const { json } = await send(`${this.base}/bench/projection/${runId}`);
      const view = json as ProjectionView | null;
      if (view?.status === status && view.executions >= executions) return;
      if (performance.now() - t0 > PROJECTION_DEADLINE_MS) return;
      await sleep(POLL_MS);
    }
  }
}

/** `instance.status()` as the bench route passes it on. */
interface InstanceView {
  status: string;
  error?: { name?: string; message?: string };
  output?: BenchOutput;
}

/**
 * A Workflows instance of the bench Worker, polled to its end. An errored instance whose error
 * names a limit ("too large", "limit of … steps") is a refusal; any other error a failure.
 */
export async function workflowsAttempt(
  base: string,
  params: BenchParams,
  deadlineMs: number,
): Promise<Attempt & { output?: BenchOutput }> {
  const t0 = performance.now();
  const created = await send(`${base}/bench/workflows`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  const id = (created.json as { id?: unknown } | null)?.id;
  if (created.status !== 201 || typeof id !== "string") {
    const outcome: Outcome = {
      status: "refused",
      code: `create ${created.status}`,
      message: created.text.slice(0, 400),
    };
    return { outcome, wallMs: performance.now() - t0 };
  }
  for (;;) {
    const { json } = await send(`${base}/bench/workflows/${id}`);
    const view = json as InstanceView | null;
    if (view?.status === "complete") {
      return {
        outcome: { status: "completed" },
        wallMs: performance.now() - t0,
        output: view.output,
      };
    }
    if (view?.status === "errored" || view?.status === "terminated") {
      const message = view.error?.message ?? JSON.stringify(view.error ?? null);
      const limit = /too large|limit/i.test(message);
      const outcome: Outcome = {
        status: limit ? "refused" : "failed",
        code: `${view.status}${view.error?.name ? ` ${view.error.name}` : ""}`,
        message,
      };
      return { outcome, wallMs: performance.now() - t0 };
    }
    if (performance.now() - t0 > deadlineMs) {
      const message = `instance ${id} still ${view?.status ?? "?"} after ${deadlineMs} ms`;
      return { outcome: { status: "failed", code: "bench_deadline", message }, wallMs: NaN };
    }
    await sleep(POLL_MS);
  }
}

/** One line for a table cell: `completed`, or `refused: code: message` (message shortened). */
export function outcomeText(o: Outcome, max = 160): string {
  if (o.status === "completed") return "completed";
  const text = `${o.status}: ${o.code}: ${o.message}`.replaceAll("|", "\\|").replaceAll("\n", " ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
