/**
 * A finished run's trace (docs/OBSERVABILITY.md, "Traces (OpenTelemetry)"): read from the run's
 * SQLite (its executions, usage and parent link) and, when the tenant set an OTLP endpoint, sent
 * there in batches. Nothing is written in the step that ends the run: a run that ended and has
 * no export record owes its export, so a crash before it is sent loses nothing (a wake sees the
 * ended run and sends it). It is sent in the background, each batch tried again with backoff
 * (1, 2, 4, 8 s, at least a 429's Retry-After) up to MAX_TRIES; the outcome is a run event
 * (`trace_exported` / `trace_export_failed`). An export never changes how the run ended.
 */

import type { NodeError } from "../../core/errors";
import { TERMINAL_RUN } from "../../core/scheduler";
import type { RunTraceInput, TraceSpan } from "../../core/telemetry";
import { buildRunTrace } from "../../core/telemetry";
import {
  type OtlpTarget,
  OtlpTargetError,
  otlpProtobuf,
  otlpTarget,
  postTrace,
} from "../../platform/telemetry";
import type { ParentLink } from "./child-runs";
import type { Loaded } from "./context";
import type { RunStorage } from "./host";
import type { RunStore, StoredEvent } from "./store";
import type { UsageLedger } from "./usage";

/** Sends a batch at most this many times. */
export const MAX_TRIES = 5;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
/** Spans per request (the OpenTelemetry SDK's default batch). */
export const SPANS_PER_BATCH = 512;
/** Where the export's progress is kept in the run's meta. */
const KEY = "trace_export";

/**
 * The export's record: absent until the ended run's export is first tried; `none` when the
 * tenant had no endpoint set (or it was off) then.
 */
interface Owed {
  status: "pending" | "sent" | "failed" | "none";
  /** Rounds tried so far. */
  tries: number;
  nextAt: number;
  /** Batches already taken by the collector. */
  batch: number;
}

/** The run's spans, from what its SQLite recorded (also `GET /api/runs/{id}/trace`). */
export function traceInput(
  run: Loaded,
  store: RunStore,
  usage: UsageLedger,
  parent: ParentLink | undefined,
): RunTraceInput {
  const { meta, state, ir } = run;
  const byAttempt = usage.byAttempt();
  const attempts: RunTraceInput["attempts"] = [];
  const recorded = new Set<string>();
  for (const e of store.executions()) {
    if (e.started_at === null) continue;
    recorded.add(`${e.node_id}\n${e.attempt}`);
    const error = e.error === null ? undefined : (JSON.parse(e.error) as NodeError);
    const spent = byAttempt.get(`${e.node_id}\n${e.attempt}`);
    attempts.push({
      nodeId: e.node_id,
      kind: e.type,
      attempt: e.attempt,
      iteration: e.iteration,
      status: e.status === "succeeded" ? "succeeded" : "failed",
      startedAt: e.started_at,
      finishedAt: e.finished_at ?? e.started_at,
      ...(error
        ? { error: { code: error.code, message: error.message, retryable: error.retryable } }
        : {}),
      ...(spent ? { usage: spent } : {}),
    });
  }
  // Attempts that were under way when the run was cancelled record no execution.
  for (const node of ir.nodes) {
    const st = state.nodes[node.id];
    if (st?.status !== "cancelled" || st.startedAt === undefined) continue;
    if (recorded.has(`${node.id}\n${st.attempt}`)) continue;
    const spent = byAttempt.get(`${node.id}\n${st.attempt}`);
    attempts.push({
      nodeId: node.id,
      kind: node.type,
      attempt: st.attempt,
      iteration: st.iteration,
      status: "cancelled",
      startedAt: st.startedAt,
      finishedAt: st.finishedAt ?? state.finishedAt ?? st.startedAt,
      ...(spent ? { usage: spent } : {}),
    });
  }
  const status = state.status;
  if (status !== "completed" && status !== "failed" && status !== "cancelled") {
    throw new Error(`run ${meta.runId} has not ended (${status}): it has no trace yet`);
  }
  const failure = state.failure;
  return {
    runId: meta.runId,
    // A child from before the root was kept names its parent only (one level is right).
    rootRunId: parent ? (parent.rootRunId ?? parent.runId) : meta.runId,
    ...(parent
      ? { parent: { runId: parent.runId, nodeId: parent.nodeId, attempt: parent.attempt } }
      : {}),
    workflow: { id: meta.workflowId, name: ir.name, version: meta.version },
    status,
    startedAt: state.startedAt,
    finishedAt: state.finishedAt ?? state.startedAt,
    ...(failure
      ? { failure: { nodeId: failure.nodeId, code: failure.code, message: failure.message } }
      : {}),
    usage: usage.spent(),
    attempts,
  };
}

/** What the exporter borrows from the engine. */
export interface TraceExportHost {
  storage: RunStorage;
  env: Env;
  now(): number;
  store: RunStore;
  usage: UsageLedger;
  /** Null once the run's storage is being deleted. */
  run(): Loaded | null;
  parent(): ParentLink | undefined;
  emit(events: StoredEvent[]): void;
  /** Asks the alarm to call again later (an export not yet due, or one that failed). */
  retryLater(): void;
}

/** Sends the run's trace once it ended, one flush at a time. */
export class TraceExport {
  private flushing: Promise<void> | null = null;

  constructor(private readonly host: TraceExportHost) {}

  /** The run's spans now (the same ones an export sends). */
  spans(): Promise<TraceSpan[]> | null {
    const run = this.host.run();
    if (!run) return null;
    const { store, usage } = this.host;
    return buildRunTrace(traceInput(run, store, usage, this.host.parent()));
  }

  /** Whether the run ended and its export is still owed. */
  owed(): boolean {
    const run = this.host.run();
    if (!run || !TERMINAL_RUN.has(run.state.status)) return false;
    const owed = this.record();
    return owed === undefined || owed.status === "pending";
  }

  /** The export in flight, for `settled()`. */
  inFlight(): Promise<void> | null {
    return this.flushing;
  }

  flush(): void {
    if (this.flushing || !this.owed()) return;
    this.flushing = this.send()
      .catch((err: unknown) => {
        console.error(JSON.stringify({ at: "trace_export", error: String(err) }));
        this.host.retryLater();
      })
      .finally(() => {
        this.flushing = null;
      });
  }

  /** Owes the export again from its first batch (`POST /api/runs/{id}/trace`). */
  again(): void {
    const start = () => {
      this.save({ status: "pending", tries: 0, nextAt: this.host.now(), batch: 0 });
      this.flush();
    };
    if (this.flushing) void this.flushing.then(start);
    else start();
  }

  private record(): Owed | undefined {
    return this.host.store.getMeta<Owed>(KEY);
  }

  /** One statement, atomic on its own: no transaction for the common case of no endpoint. */
  private save(owed: Owed): void {
    this.host.store.setMeta(KEY, owed);
  }

  private async send(): Promise<void> {
    const { env } = this.host;
    const run = this.host.run()!;
    const owed = this.record() ?? { status: "pending", tries: 0, nextAt: 0, batch: 0 };
    if (owed.nextAt > this.host.now()) {
      this.host.retryLater();
      return;
    }
    const tries = owed.tries + 1;
    let target: OtlpTarget | null;
    try {
      target = await otlpTarget(env, run.meta.tenantId);
    } catch (err) {
      // A secret the headers name is gone: waiting will not bring it back. D1 or a seal may.
      const error = err instanceof Error ? err.message : String(err);
      this.failed(owed, tries, { retryable: !(err instanceof OtlpTargetError), error }, {});
      return;
    }
    if (!this.host.run()) return;
    if (!target) {
      this.save({ ...owed, status: "none" });
      return;
    }
    const spans = (await this.spans())!;
    const batches = Math.ceil(spans.length / SPANS_PER_BATCH);
    for (let b = owed.batch; b < batches; b++) {
      const body = otlpProtobuf(
        spans.slice(b * SPANS_PER_BATCH, (b + 1) * SPANS_PER_BATCH),
        env.AOB_VERSION,
      );
      const result = await postTrace(env, target, body);
      if (!this.host.run()) return;
      if (result.ok) continue;
      this.failed({ ...owed, batch: b }, tries, result, { host: target.host, batches, sent: b });
      return;
    }
    this.finish({ status: "sent", tries, nextAt: 0, batch: batches }, "trace_exported", {
      host: target.host,
      tries,
      spans: spans.length,
      batches,
      traceId: spans[0]?.traceId,
    });
  }

  /** A round failed: tried again after its backoff, or given up for good. */
  private failed(
    owed: Owed,
    tries: number,
    failure: { retryable: boolean; error: string; retryAfterMs?: number },
    data: Record<string, unknown>,
  ): void {
    if (!failure.retryable || tries >= MAX_TRIES) {
      this.finish({ ...owed, status: "failed", tries }, "trace_export_failed", {
        ...data,
        tries,
        error: failure.error,
      });
      return;
    }
    const backoff = Math.max(FIRST_BACKOFF_MS * 2 ** (tries - 1), failure.retryAfterMs ?? 0);
    this.save({
      ...owed,
      status: "pending",
      tries,
      nextAt: this.host.now() + Math.min(backoff, MAX_BACKOFF_MS),
    });
    this.host.retryLater();
  }

  /** The outcome and its event, in one transaction. */
  private finish(
    owed: Owed,
    type: "trace_exported" | "trace_export_failed",
    data: Record<string, unknown>,
  ): void {
    const { storage, store } = this.host;
    const event = storage.transactionSync(() => {
      this.save(owed);
      return store.appendEvent({ type, data }, this.host.now());
    });
    this.host.emit([event]);
  }
}
