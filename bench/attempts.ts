/**
 * Runs that may be refused or fail, for the payload and big-run benches: where bench/clients.ts
 * treats anything but `completed` as a broken bench, these record how an engine said no (the
 * HTTP status and error of a refused create or start, a failed node's code and message, an
 * errored Workflows instance's error), because today's refusals are the baseline. A request
 * that gets no answer (wrangler dev's proxy resets connections while workerd is busy or
 * restarting) is polled again until the deadline, never thrown out of the bench.
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
  /** From sending the start request to the first poll that saw the end (NaN: no end seen). */
  wallMs: number;
}

const PROJECTION_DEADLINE_MS = 120_000;

export interface Answer {
  status: number;
  json: unknown;
  text: string;
}

async function send(url: string, init: RequestInit, timeoutMs: number): Promise<Answer> {
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

/** What a request that got no answer says, its cause included (undici's "fetch failed" alone says little). */
export function errorText(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause === undefined ? String(err) : `${String(err)}: ${String(cause)}`;
}

/** A request that may get no answer: the answer, or the error's text. */
export async function attempt(
  url: string,
  init: RequestInit = {},
  timeoutMs = 120_000,
): Promise<Answer | string> {
  try {
    return await send(url, init, timeoutMs);
  } catch (err) {
    return errorText(err);
  }
}

/** An aob error answer `{ error: { code, message, details? } }` as an outcome. */
function refusal(answer: Answer, stage: string): Outcome {
  const error = (
    answer.json as { error?: { code?: string; message?: string; details?: unknown } } | null
  )?.error;
  const details = error?.details === undefined ? "" : ` ${JSON.stringify(error.details)}`;
  return {
    status: "refused",
    code: `${stage} ${answer.status}${error?.code ? ` ${error.code}` : ""}`,
    message: `${error?.message ?? answer.text.slice(0, 300)}${details.slice(0, 400)}`,
  };
}

const noAnswer = (
  stage: string,
  message: string,
  status: "failed" | "refused" = "failed",
): Outcome => ({
  status,
  code: `${stage}: no answer`,
  message,
});

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
    const answer = await attempt(`${this.base}/api/workflows`, {
      method: "POST",
      headers: this.headers(true),
      body: JSON.stringify(definition),
    });
    // A server that answers before reading a large body may close the connection under it.
    if (typeof answer === "string") return noAnswer("create", answer, "refused");
    const id = (answer.json as { id?: unknown } | null)?.id;
    if (answer.status >= 200 && answer.status < 300 && typeof id === "string") return { id };
    return refusal(answer, "create");
  }

  /**
   * Starts a run and polls it to its end (or `deadlineMs`), then waits until D1 holds its end
   * (and, when it completed, one execution row per node), so that one run's background writes
   * do not overlap the next. A failed run's outcome is its last failed node's error.
   */
  async run(workflowId: string, nodes: number, deadlineMs: number): Promise<Attempt> {
    const t0 = performance.now();
    const started = await attempt(`${this.base}/api/workflows/${workflowId}/runs`, {
      method: "POST",
      headers: this.headers(true),
      body: JSON.stringify({ input: null }),
    });
    if (typeof started === "string") {
      return { outcome: noAnswer("start", started), wallMs: Number.NaN };
    }
    const runId = (started.json as { runId?: unknown } | null)?.runId;
    if (started.status >= 300 || typeof runId !== "string") {
      return { outcome: refusal(started, "start"), wallMs: performance.now() - t0 };
    }
    let status = "";
    let lastError = "";
    for (;;) {
      const polled = await attempt(`${this.base}/api/runs/${runId}`, { headers: this.headers() });
      if (typeof polled === "string") lastError = polled;
      else status = String((polled.json as { status?: unknown } | null)?.status ?? status);
      if (status === "completed" || status === "failed" || status === "cancelled") break;
      if (performance.now() - t0 > deadlineMs) {
        const message = `run ${runId} still "${status}" after ${deadlineMs} ms${lastError ? `; last poll error: ${lastError}` : ""}`;
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
    let lastError = "";
    for (let page = 0; page < 100; page++) {
      const answer = await attempt(
        `${this.base}/api/runs/${runId}/events?after=${after}&limit=5000`,
        { headers: this.headers() },
      );
      if (typeof answer === "string") {
        lastError = answer;
        continue;
      }
      const events = (answer.json as { events?: RunEvent[] } | null)?.events ?? [];
      last = events.findLast((e) => e.type === "node_failed") ?? last;
      if (events.length < 5000) break;
      after = events.at(-1)?.seq ?? after;
    }
    const error = last?.data?.error as { code?: string; message?: string } | undefined;
    const where = last?.nodeId ? `node ${last.nodeId}: ` : "";
    return {
      status: "failed",
      code: error?.code ?? `run_${status}`,
      message: `${where}${error?.message ?? `no node_failed event read ${lastError}`}`,
    };
  }

  private async waitProjected(runId: string, status: string, executions: number): Promise<void> {
    const t0 = performance.now();
    for (;;) {
      const answer = await attempt(`${this.base}/bench/projection/${runId}`);
      const view = typeof answer === "string" ? null : (answer.json as ProjectionView | null);
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
 * names a limit ("too large", "limit of … steps", "limited to") is a refusal; any other error a
 * failure.
 */
export async function workflowsAttempt(
  base: string,
  params: BenchParams,
  deadlineMs: number,
): Promise<Attempt & { output?: BenchOutput }> {
  const t0 = performance.now();
  const created = await attempt(`${base}/bench/workflows`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  if (typeof created === "string") {
    return { outcome: noAnswer("create", created), wallMs: Number.NaN };
  }
  const id = (created.json as { id?: unknown } | null)?.id;
  if (created.status !== 201 || typeof id !== "string") {
    const message = created.text.slice(0, 400);
    const outcome: Outcome = { status: "refused", code: `create ${created.status}`, message };
    return { outcome, wallMs: performance.now() - t0 };
  }
  let lastError = "";
  let status = "";
  for (;;) {
    const answer = await attempt(`${base}/bench/workflows/${id}`);
    const view = typeof answer === "string" ? null : (answer.json as InstanceView | null);
    if (typeof answer === "string") lastError = answer;
    status = view?.status ?? status;
    if (view?.status === "complete") {
      const wallMs = performance.now() - t0;
      return { outcome: { status: "completed" }, wallMs, output: view.output };
    }
    if (view?.status === "errored" || view?.status === "terminated") {
      const message = view.error?.message ?? JSON.stringify(view.error ?? null);
      const outcome: Outcome = {
        status: /too large|limit/i.test(message) ? "refused" : "failed",
        code: `${view.status}${view.error?.name ? ` ${view.error.name}` : ""}`,
        message,
      };
      return { outcome, wallMs: performance.now() - t0 };
    }
    if (performance.now() - t0 > deadlineMs) {
      const message = `instance ${id} still "${status}" after ${deadlineMs} ms${lastError ? `; last poll error: ${lastError}` : ""}`;
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
