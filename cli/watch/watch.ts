import { assertNever } from "../../core/errors";
import { ApiFailure, call } from "../client";
import type { Context } from "../context";
import { EXIT, type ExitCode, formatIssues } from "../errors";
import type { RunBody } from "../types";
import { askDecision } from "./decide";
import { RunFeed } from "./feed";
import { Progress } from "./progress";
import { HumanView, JsonView, type WatchView } from "./view";

const ENDINGS = new Set(["run_completed", "run_failed", "run_cancelled"]);

/**
 * Follows a run over its WebSocket until it ends (exit 0 completed, 1 failed or cancelled) or
 * waits for an approval nobody here can give (exit 3). At a terminal, an approval prompts.
 */
export async function watchRun(ctx: Context, runId: string): Promise<ExitCode> {
  const api = ctx.api;
  const read = () => call(api.runs[":id"].$get({ param: { id: runId } }));
  const initial = await read();
  const progress = new Progress(initial.nodes);
  const view: WatchView = ctx.json
    ? new JsonView()
    : new HumanView(progress, process.stdout.isTTY === true);
  view.begin(initial);

  const url = api.runs[":id"].ws.$url({ param: { id: runId }, query: {} });
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const feed = new RunFeed({
    url,
    apiKey: ctx.credentials().apiKey,
    onReconnect: (info) => view.reconnecting(info),
  });

  // Approvals required and not yet decided, by node. Acted on only once the backlog is
  // replayed (seq reached the hello's lastSeq), so a decided approval in history never prompts.
  const open = new Set<string>();
  let backlogEnd = Number.POSITIVE_INFINITY;
  let seq = 0;
  for await (const frame of feed) {
    switch (frame.type) {
      case "hello":
        backlogEnd = frame.lastSeq;
        break;
      case "events":
        for (const event of frame.events) {
          seq = event.seq;
          view.event(event, progress.apply(event));
          if (event.type === "approval_required" && event.nodeId) open.add(event.nodeId);
          if (event.type === "approval_decided" && event.nodeId) open.delete(event.nodeId);
          if (event.type === "run_cancelled") open.clear();
          if (ENDINGS.has(event.type)) {
            const final = await read();
            view.finish(final);
            return final.status === "completed" ? EXIT.ok : EXIT.failed;
          }
        }
        break;
      case "pong":
        break;
      case "delta":
        // Agent token deltas: the watch view shows nodes' outcomes, not their streaming text.
        break;
      case "error":
        view.notice(`the server reported ${frame.code}: ${frame.message}`);
        break;
      default:
        assertNever(frame, "frame");
    }
    if (open.size > 0 && seq >= backlogEnd) {
      const outcome = await settle(ctx, runId, open, view, await read());
      if (outcome !== undefined) return outcome;
    }
  }
  // The feed only ends by throwing; this keeps the type checker honest.
  return EXIT.failed;
}

/**
 * The run waits on approvals: prompt for each at a terminal, else report and exit 3.
 * Returns an exit code to stop watching, or undefined to go on.
 */
async function settle(
  ctx: Context,
  runId: string,
  open: Set<string>,
  view: WatchView,
  run: RunBody,
): Promise<ExitCode | undefined> {
  const pending = run.approvals.filter((a) => a.status === "pending" && open.has(a.nodeId));
  if (pending.length === 0) {
    // Decided meanwhile (by someone else, or a timeout): its event is on the way.
    open.clear();
    return undefined;
  }
  if (!ctx.interactive) {
    view.waiting(run, pending);
    return EXIT.waitingForApproval;
  }
  for (const approval of pending) {
    for (;;) {
      view.suspend();
      const decision = await askDecision(approval);
      if (!decision) {
        view.waiting(run, [approval]);
        return EXIT.waitingForApproval;
      }
      try {
        await call(
          ctx.api.runs[":id"].approvals[":nodeId"].$post({
            param: { id: runId, nodeId: approval.nodeId },
            json: decision,
          }),
        );
        break;
      } catch (err) {
        if (!(err instanceof ApiFailure)) throw err;
        if (err.status === 409) {
          view.notice(err.message);
          break;
        }
        if (err.status !== 400) throw err;
        // A form that does not validate: say where, and ask again.
        view.notice(err.message);
        for (const line of formatIssues(err.issues)) view.notice(line);
      }
    }
    open.delete(approval.nodeId);
  }
  return undefined;
}
