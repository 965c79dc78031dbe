import { DurableObject } from "cloudflare:workers";
import { type GraphSize, Patch, type PatchSource } from "../../core/patches";
import { TERMINAL_RUN } from "../../core/scheduler";
import { WS_MIN_WINDOW, WS_WINDOW } from "../../core/wire/frames";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import { boundedCall, ToolCall } from "../../core/wire/tool-call";
import { closeKeySocket } from "../../db/sessions";
import type { ApprovalBook, Ballot } from "./approvals";
import {
  assertImportable,
  type RunRecord,
  readArchive,
  type SealedArchive,
  sealArchive,
} from "./archive";
import type { ChildEnded, TreeReserved } from "./child-runs";
import { EndWaiters } from "./end-waiters";
import type { CreateRun, RunEngine } from "./engine";
import type { Delivered, EventDelivery } from "./event-waits";
import { platformHost } from "./host";
import { openRun } from "./open";
import type { PatchRecord } from "./patches";
import type { ReplaySeed } from "./replay";
import {
  type Decided,
  MAX_EVENTS_PER_CALL,
  type Purged,
  type RunRpc,
  type TraceAnswer,
  type TraceRefusal,
} from "./rpc";
import type { Materialised, PatchOutcome } from "./runtime-patches";
import { type RunView, snapshot } from "./snapshot";
import { Sockets } from "./sockets";
import type { RunStore, StoredEvent } from "./store";

const revokedKey = (keyId: string) => `revoked-key:${keyId}`;

/**
 * One run. A thin shell: RPC methods and the alarm hand off to the engine (durable-objects/run/
 * engine.ts), which drives the pure scheduler in core/ and persists to this object's SQLite.
 */
export class RunObject extends DurableObject<Env> implements RunRpc {
  private readonly store: RunStore;
  private readonly engine: RunEngine;
  private readonly sockets: Sockets;
  private readonly approvals: ApprovalBook;
  private readonly ends: EndWaiters;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ({
      store: this.store,
      approvals: this.approvals,
      engine: this.engine,
    } = openRun(platformHost(ctx.storage, env)));
    this.sockets = new Sockets(ctx, (after, limit) => this.store.events(after, limit));
    this.ends = new EndWaiters(() => {
      const status = this.engine.loaded?.state.status;
      return status === undefined || TERMINAL_RUN.has(status);
    });
    this.engine.onEvents = (events) => {
      this.sockets.broadcast(events);
      this.ends.committed();
    };
    void ctx.blockConcurrencyWhile(() => this.engine.wake());
  }

  async ping(): Promise<string> {
    return "pong";
  }

  async create(init: CreateRun): Promise<RunView> {
    await this.engine.create(init);
    return snapshot(this.engine, this.store, this.approvals)!;
  }

  /** A runner's results; with `room`, the http jobs they make runnable come back to it. */
  async complete(results: NodeResult[], room = 0): Promise<ExecuteJob[]> {
    return this.engine.complete(results, room);
  }

  async cancel(reason?: string): Promise<RunView | null> {
    if (!this.engine.loaded) return null;
    await this.engine.cancel(reason);
    return snapshot(this.engine, this.store, this.approvals);
  }

  /** A person's decision on an approval node (the API checked tenancy). */
  async decide(nodeId: string, vote: Ballot): Promise<Decided> {
    const archived = this.archivedRefusal();
    if (archived) return { ...archived, code: "not_waiting" };
    return this.engine.decide(nodeId, vote);
  }

  /** An event for the run's waits (docs/COMPOSITION.md; the API checked tenancy). */
  async deliverEvent(delivery: EventDelivery): Promise<Delivered> {
    const archived = this.archivedRefusal();
    if (archived) return archived;
    if (!this.engine.loaded) {
      return { ok: false, status: 404, code: "not_found", message: "no such run" };
    }
    return this.engine.deliverEvent(delivery);
  }

  /** The graph the run executes now (base + accepted patches), for agents' get_workflow. */
  async materialised(): Promise<Materialised | null> {
    return this.engine.materialised();
  }

  /**
   * A patch from an agent (the runner) or a person (the API, which checked tenancy and shape).
   * The shape is checked again here: this is the boundary that applies it.
   */
  async proposePatch(patch: unknown, source: PatchSource): Promise<PatchOutcome> {
    const archived = this.archivedRefusal();
    if (archived) return archived;
    const parsed = Patch.safeParse(patch);
    if (!parsed.success) {
      return { ok: false, status: 409, code: "invalid_patch", message: parsed.error.message };
    }
    return this.engine.proposePatch(parsed.data, source);
  }

  async patchList(): Promise<PatchRecord[]> {
    if (!this.engine.loaded) return readArchive(this.store)?.view.patches ?? [];
    return this.engine.patchList();
  }

  /** An archived run is read-only: what a decision or a patch on it is answered. */
  private archivedRefusal() {
    if (this.engine.loaded) return null;
    const archive = readArchive(this.store);
    if (!archive) return null;
    return {
      ok: false as const,
      status: 409 as const,
      code: "run_finished" as const,
      message: `run ${archive.view.id} is archived (imported from run ${archive.view.archived?.sourceRunId}): it is read-only`,
    };
  }

  /** Token deltas of a running agent, sent to live clients only (not stored). */
  async attemptLive(nodeId: string, attempt: number): Promise<boolean> {
    return this.engine.attemptLive(nodeId, attempt);
  }

  async agentDelta(nodeId: string, attempt: number, text: string): Promise<void> {
    this.sockets.send({ type: "delta", nodeId, attempt, text });
  }

  /** A running agent's tool call, parsed on arrival (it carries model and tool data). */
  async agentToolCall(nodeId: string, attempt: number, call: ToolCall): Promise<void> {
    const parsed = ToolCall.safeParse(call);
    if (!parsed.success || !this.engine.loaded) return;
    this.engine.recordToolCall(nodeId, attempt, boundedCall(parsed.data));
  }

  /** The run input (a replay without a new input reuses it). */
  async input(): Promise<unknown> {
    return this.store.getMeta("input") ?? null;
  }

  /** Succeeded nodes' ports and outputs, for a replay of this run. */
  async recorded(nodeIds: string[]): Promise<ReplaySeed["recorded"]> {
    return this.engine.recorded(nodeIds);
  }

  async get(): Promise<RunView | null> {
    return (
      snapshot(this.engine, this.store, this.approvals) ?? readArchive(this.store)?.view ?? null
    );
  }

  /** The ended run's trace (trace-export.ts): the spans its export sends. */
  async traceSpans(): Promise<TraceAnswer> {
    const refused = this.traceRefusal();
    if (refused) return refused;
    return { ok: true, spans: (await this.engine.traces.spans()) ?? [] };
  }

  /** Owes the ended run's trace export again; its outcome is a run event. */
  async resendTrace(): Promise<{ ok: true } | TraceRefusal> {
    const refused = this.traceRefusal();
    if (refused) return refused;
    this.engine.traces.again();
    return { ok: true };
  }

  /** A trace is built from a run of this object that ended. */
  private traceRefusal(): TraceRefusal | null {
    const run = this.engine.loaded;
    if (!run) {
      const archive = readArchive(this.store);
      return archive
        ? {
            ok: false,
            status: 409,
            code: "conflict",
            message: `run ${archive.view.id} is archived (imported): it keeps no attempts to trace`,
          }
        : { ok: false, status: 404, code: "not_found", message: "no such run" };
    }
    const { status } = run.state;
    if (TERMINAL_RUN.has(status)) return null;
    return {
      ok: false,
      status: 409,
      code: "run_active",
      message: `run ${run.meta.runId} has not ended (${status}): its trace is made when it ends`,
    };
  }

  /** The run once it has ended, or as it is after `ms` (end-waiters.ts); null when none. */
  async awaitEnd(ms: number): Promise<RunView | null> {
    await this.ends.wait(ms);
    return this.get();
  }

  /**
   * The run's whole record for its export, once its background writes are done (its blobs are
   * all in R2 then); null when the run does not exist.
   */
  async record(): Promise<RunRecord | null> {
    const archive = readArchive(this.store);
    if (archive) {
      const { view, approvals, input, definition } = archive;
      return { view, approvals, input, definition };
    }
    await this.engine.settled();
    const view = snapshot(this.engine, this.store, this.approvals);
    if (!view) return null;
    return { view, approvals: this.approvals.all(), input: this.store.getMeta("input") ?? null };
  }

  /** A child run ended (its notice, docs/COMPOSITION.md): its node's result. */
  async childEnded(notice: ChildEnded): Promise<void> {
    await this.engine.childEnded(notice);
  }

  /** A child's start in this run's tree (tree-tally.ts). */
  async reserveInTree(childRunId: string, size: GraphSize): Promise<TreeReserved> {
    return this.engine.reserveInTree(childRunId, size);
  }

  /** The definition an archived run keeps; null for any other run (its version has it). */
  async archivedDefinition(): Promise<unknown> {
    return readArchive(this.store)?.definition ?? null;
  }

  /** An import's events, in order, into an object that holds no run (durable-objects/run/archive.ts). */
  async importEvents(events: StoredEvent[]): Promise<void> {
    assertImportable(this.store);
    this.ctx.storage.transactionSync(() => this.store.importEvents(events));
  }

  /** Ends an import: the object answers as the archived run from now on. */
  async seal(archive: SealedArchive): Promise<void> {
    this.ctx.storage.transactionSync(() => sealArchive(this.store, archive));
  }

  async events(after = 0, limit = 1000, nodeId?: string): Promise<StoredEvent[]> {
    return this.store.events(after, Math.min(Math.max(limit, 1), MAX_EVENTS_PER_CALL), nodeId);
  }

  /**
   * The WebSocket upgrade, forwarded by the API after authentication: `/ws?after=N&window=W`
   * (W: the socket's send buffer, docs/API.md), with the key it was authenticated with
   * (`X-Aob-Key-Id`) and its session's expiry (`X-Aob-Session-Expires`, when a session cookie
   * opened it). A key this run was told is revoked is refused: that closes the gap between the
   * API's check and this accept.
   */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/ws" || request.headers.get("upgrade") !== "websocket") {
      return new Response("expected a WebSocket upgrade on /ws", { status: 426 });
    }
    const keyId = request.headers.get("x-aob-key-id");
    if (!keyId) return new Response("the upgrade names no key", { status: 400 });
    if (this.ctx.storage.kv.get(revokedKey(keyId)) !== undefined) {
      return new Response("API key revoked", { status: 401 });
    }
    const hello = this.hello();
    if (!hello) return new Response("run not found", { status: 404 });
    const after = Math.max(0, Number(url.searchParams.get("after") ?? 0) || 0);
    const asked = Number(url.searchParams.get("window")) || WS_WINDOW;
    const window = Math.min(WS_WINDOW, Math.max(WS_MIN_WINDOW, Math.floor(asked)));
    const expires = Number(request.headers.get("x-aob-session-expires"));
    return this.sockets.subscribe(
      after,
      { keyId, expiresAt: expires > 0 ? expires : null },
      hello,
      window,
    );
  }

  /** A socket's first frame: the run's id, last event and status (an archive's as sealed). */
  private hello() {
    const run = this.engine.loaded;
    const archived = run ? undefined : readArchive(this.store)?.view;
    if (!run && !archived) return null;
    return {
      type: "hello" as const,
      runId: run?.meta.runId ?? archived!.id,
      lastSeq: this.store.lastSeq(),
      status: run?.state.status ?? archived!.status,
    };
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.sockets.message(ws, message);
  }

  /**
   * Deletes the run's storage (docs/LIFECYCLE.md), once its background writes are done, so
   * nothing it started lands after: refused while the run is active.
   */
  async purge(): Promise<Purged> {
    const status = this.engine.loaded?.state.status;
    if (status && !TERMINAL_RUN.has(status)) return { ok: false, status };
    await this.engine.settled();
    this.sockets.closeAll("run deleted");
    this.engine.forget();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return { ok: true };
  }

  /**
   * A key was revoked: its sockets here close now (code 4401), and a late upgrade with it is
   * refused. Returns how many sockets were closed.
   */
  async revokeKey(keyId: string): Promise<number> {
    this.ctx.storage.kv.put(revokedKey(keyId), Date.now());
    return this.sockets.closeKey(keyId, "API key revoked");
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // One socket fewer for its key in D1 (key_sockets), so revocation stops calling this run
    // once none are open.
    const keyId = this.sockets.ownerOf(ws);
    this.sockets.close(ws, code, reason);
    const runId = this.engine.loaded?.meta.runId;
    if (keyId && runId) await closeKeySocket(this.env.DB, keyId, runId);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.sockets.close(ws, 1011, "socket error");
  }

  override async alarm(): Promise<void> {
    await this.engine.alarm();
  }
}
