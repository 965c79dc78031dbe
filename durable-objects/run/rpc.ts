import type { GraphSize, PatchSource } from "../../core/patches";
import type { TraceSpan } from "../../core/telemetry";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import type { ToolCall } from "../../core/wire/tool-call";
import type { ApprovalRequest, Ballot, DecisionRefusal } from "./approvals";
import type { RunRecord, SealedArchive } from "./archive";
import type { ChildEnded, TreeReserved } from "./child-runs";
import type { CreateRun } from "./engine";
import type { Delivered, EventDelivery } from "./event-waits";
import type { PatchRecord } from "./patches";
import type { ReplaySeed } from "./replay";
import type { Materialised, PatchOutcome } from "./runtime-patches";
import type { RunView } from "./snapshot";
import type { StoredEvent } from "./store";

/** `purge`'s answer: the run's storage is gone, or it is active (nothing was touched). */
export type Purged = { ok: true } | { ok: false; status: string };

/** Why a run gives no trace: not there, archived (`conflict`), or not ended (`run_active`). */
export type TraceRefusal = {
  ok: false;
  status: 404 | 409;
  code: "not_found" | "conflict" | "run_active";
  message: string;
};
/** An ended run's trace as spans (core/telemetry), or why there is none. */
export type TraceAnswer = { ok: true; spans: TraceSpan[] } | TraceRefusal;

/** A vote's answer: the approval with its votes so far, or why nothing was recorded. */
export type Decided = { ok: true; approval: ApprovalRequest } | DecisionRefusal;
export type { Ballot };

/**
 * The RunObject's RPC contract: every method the API and the runner call on a run's stub, with
 * its arguments and its answer. The object `implements` it and callers reach it through
 * `runObject()`, so both sides compile against this one declaration.
 *
 * Why not `DurableObjectStub<RunObject>` alone: Cloudflare's `Rpc.Result` maps an answer that
 * holds an `unknown` (node outputs, run input) to `never`, so the stub's own types would lose
 * every answer that carries data. The stub is still checked against this interface (its
 * parameter lists and every answer it can type must agree), without a cast.
 */
export interface RunRpc {
  ping(): Promise<string>;
  /** Starts the run; answers its first view. */
  create(init: CreateRun): Promise<RunView>;
  /** A runner's results; with `room`, the http jobs they make runnable come back to it. */
  complete(results: NodeResult[], room?: number): Promise<ExecuteJob[]>;
  /** Null when the run does not exist. */
  cancel(reason?: string): Promise<RunView | null>;
  /** A person's decision on an approval node (the API checked tenancy). */
  decide(nodeId: string, vote: Ballot): Promise<Decided>;
  /** An event for the run's waits (the API checked tenancy); refused on an archived run. */
  deliverEvent(delivery: EventDelivery): Promise<Delivered>;
  /** The graph the run executes now; null when the run does not exist (anymore). */
  materialised(): Promise<Materialised | null>;
  /** A patch from an agent (the runner) or a person (the API); its shape is checked again. */
  proposePatch(patch: unknown, source: PatchSource): Promise<PatchOutcome>;
  patchList(): Promise<PatchRecord[]>;
  /**
   * Whether the run still wants this attempt of a node (it runs, and the run was not
   * cancelled, failed or completed): a running agent asks before each model or tool call.
   */
  attemptLive(nodeId: string, attempt: number): Promise<boolean>;
  /** Token deltas of a running agent, sent to live clients only (not stored). */
  agentDelta(nodeId: string, attempt: number, text: string): Promise<void>;
  /**
   * A running agent's call of an MCP or custom http tool (core/wire/tool-call.ts), recorded as
   * a `tool_called` event of the node while the attempt is live; dropped otherwise.
   */
  agentToolCall(nodeId: string, attempt: number, call: ToolCall): Promise<void>;
  /** The run input, null when the run has none. */
  input(): Promise<unknown>;
  /** Succeeded nodes' ports and outputs, for a replay of this run. */
  recorded(nodeIds: string[]): Promise<ReplaySeed["recorded"]>;
  /** Null when the run does not exist. */
  get(): Promise<RunView | null>;
  /**
   * The ended run's trace (docs/OBSERVABILITY.md): the spans its export sends. (Not `trace`:
   * the runtime keeps that name for its Tail Worker handler and does not expose it over RPC.)
   */
  traceSpans(): Promise<TraceAnswer>;
  /** Owes the ended run's trace export again, from its first batch; sent in the background. */
  resendTrace(): Promise<{ ok: true } | TraceRefusal>;
  /**
   * The run once it has ended, or as it is after `ms` (at most `MAX_END_WAIT_MS`), whichever
   * comes first; null when the run does not exist (a queued run has no object yet).
   */
  awaitEnd(ms: number): Promise<RunView | null>;
  /** The run's whole record for its export (docs/LIFECYCLE.md); null when it does not exist. */
  record(): Promise<RunRecord | null>;
  /** A child run ended: taken as its subworkflow node's result (child-runs.ts). */
  childEnded(notice: ChildEnded): Promise<void>;
  /** In a tree's root: counts a child's graph against the run limits the tree shares. */
  reserveInTree(childRunId: string, size: GraphSize): Promise<TreeReserved>;
  /** The definition an archived run keeps; null for any other run (its version has it). */
  archivedDefinition(): Promise<unknown>;
  /** An import's events, in `seq` order; refused on an object that holds a run or an archive. */
  importEvents(events: StoredEvent[]): Promise<void>;
  /** Ends an import: the object answers as this archived run; refused if it holds one. */
  seal(archive: SealedArchive): Promise<void>;
  /**
   * The event log after seq `after`, at most `limit` (capped at `MAX_EVENTS_PER_CALL`); only
   * node `nodeId`'s events when given.
   */
  events(after?: number, limit?: number, nodeId?: string): Promise<StoredEvent[]>;
  /**
   * Deletes everything the object stores (its SQLite, its alarm) and closes its sockets, unless
   * the run is active. Idempotent: a run already gone answers ok.
   */
  purge(): Promise<Purged>;
  /** Closes the key's sockets here and refuses it from now on; answers how many closed. */
  revokeKey(keyId: string): Promise<number>;
  /** The WebSocket upgrade (`/ws?after=N`), forwarded by the API after authentication. */
  fetch(request: Request): Promise<Response>;
}

/** Events one `events` call answers at most. */
export const MAX_EVENTS_PER_CALL = 10_000;

/** The stub of run `runId`'s RunObject, typed by its contract. */
export function runObject(env: Pick<Env, "RUNS">, runId: string): RunRpc {
  return env.RUNS.get(env.RUNS.idFromName(runId));
}
