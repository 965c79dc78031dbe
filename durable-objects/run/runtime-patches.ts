/**
 * Runtime patches as the engine applies them (ARCHITECTURE.md, "Patches"): a proposal recorded
 * and queued, the checks and the swap of the IR in the pump, the swap persisted in the step's
 * transaction, a refusal recorded; and the materialised graph. The stored proposals are
 * patches.ts's book.
 */

import {
  applyPatch,
  checkAgentPatch,
  checkLive,
  type Patch,
  type PatchSource,
  parseRunLimits,
  rebaseState,
} from "../../core/patches";
import type { Signal } from "../../core/scheduler/signals";
import { TERMINAL_RUN } from "../../core/scheduler/state";
import type { WorkflowDefinition } from "../../core/workflow/definition";
import { formatPath, type ValidationIssue } from "../../core/workflow/issues";
import { compileWorkflow } from "../../platform/optimiser";
import type { Loaded } from "./context";
import type { RunStorage } from "./host";
import type { RunOutputs } from "./outputs";
import type { PatchBook, PatchProblem, PatchRecord } from "./patches";
import type { Pending } from "./pending";
import type { SecretPlans } from "./secret-plans";
import type { RunStore, StoredEvent } from "./store";

export interface Swap {
  record: PatchRecord;
  patch: Patch;
  /** Set by the swap: the materialised definition and the nodes the patch added. */
  definition?: WorkflowDefinition;
  added?: string[];
}

/** The graph a run executes now, its nodes' statuses, and the nodes an agent wrote. */
export interface Materialised {
  definition: WorkflowDefinition;
  statuses: Record<string, string>;
  agentNodes: string[];
}

export type PatchOutcome =
  | { ok: true; patch: PatchRecord }
  | { ok: false; status: 404 | 409; code: string; message: string };

/** What the engine lends this module. */
export interface PatchHost {
  storage: RunStorage;
  env: Env;
  now(): number;
  store: RunStore;
  secrets: SecretPlans;
  outputs: RunOutputs;
  patches: PatchBook;
  run(): Loaded | null;
  /** Queues signals and resolves once they are committed. */
  enqueue(items: Pending[]): Promise<void>;
  /** Sends durable events to live subscribers. */
  emit(events: StoredEvent[]): void;
  /** Marks a patch whose D1 row must be written. */
  patchChanged(id: number): void;
}

export class RuntimePatches {
  constructor(private readonly host: PatchHost) {}

  /** The graph the run executes now (base + accepted patches) and each node's status. */
  materialised(): Materialised | null {
    const run = this.host.run();
    const definition = this.host.store.getMeta<WorkflowDefinition>("definition");
    if (!run || !definition) return null;
    const statuses: Record<string, string> = {};
    for (const n of run.ir.nodes) statuses[n.id] = run.state.nodes[n.id]!.status;
    return { definition, statuses, agentNodes: this.host.secrets.agentWritten() };
  }

  /**
   * A patch proposed by an agent or a person. Recorded first (`patch_proposed`), then checked
   * by the materialiser (graph rules, limits) and, in the step that applies it, against live
   * state; it ends `applied` (the IR is swapped and newly runnable nodes dispatched) or
   * `rejected` with every problem. Refusals before recording (no run, run finished, too many
   * proposals) record nothing.
   */
  async propose(patch: Patch, source: PatchSource): Promise<PatchOutcome> {
    const { patches, storage, store } = this.host;
    const run = this.host.run();
    const current = store.getMeta<WorkflowDefinition>("definition");
    if (!run || !current) {
      return { ok: false, status: 404, code: "not_found", message: "the run does not exist" };
    }
    if (TERMINAL_RUN.has(run.state.status)) {
      return {
        ok: false,
        status: 409,
        code: "run_finished",
        message: `the run is ${run.state.status}; a finished run cannot be patched`,
      };
    }
    const limits = parseRunLimits(this.host.env.AOB_RUN_LIMITS);
    if (patches.count() >= limits.proposalsPerRun) {
      return {
        ok: false,
        status: 409,
        code: "limit_exceeded",
        message: `limit proposalsPerRun is ${limits.proposalsPerRun}: this run takes no more patches`,
      };
    }
    const now = this.host.now();
    const { record, event } = storage.transactionSync(() => {
      const r = patches.propose(patch, source, now);
      const e = store.appendEvent(
        {
          type: "patch_proposed",
          ...(source.kind === "agent" ? { nodeId: source.nodeId } : {}),
          data: { patchId: r.id, source, ops: patch.ops, reason: patch.reason ?? null },
        },
        now,
      );
      return { record: r, event: e };
    });
    this.host.patchChanged(record.id);
    this.host.emit([event]);
    await this.host.enqueue([
      { signal: { type: "patched", addedEdges: [], touched: [] }, swap: { record, patch } },
    ]);
    return { ok: true, patch: patches.get(record.id)! };
  }

  /**
   * Runs in the pump, so patches apply one at a time against the latest graph: the run limits,
   * the materialiser (graph rules), the compiler, then the live check; then the swap, in memory
   * (the step's transaction persists it): the new IR, the state rebased onto it, the `patched`
   * signal filled in. False (and the patch rejected) if any layer refuses it.
   */
  swapIn(swap: Swap, signal: Signal, now: number, events: StoredEvent[]): boolean {
    const run = this.host.run()!;
    const refuse = (issues: ValidationIssue[]) => {
      events.push(...this.reject(swap.record.id, issues, now, false));
      return false;
    };
    const issue = (code: string, message: string): ValidationIssue[] => [
      { path: [], code, message, severity: "error" },
    ];
    if (TERMINAL_RUN.has(run.state.status)) {
      return refuse(issue("run_finished", `the run is ${run.state.status}`));
    }
    const limits = parseRunLimits(this.host.env.AOB_RUN_LIMITS);
    if (this.host.patches.appliedCount() >= limits.patchesPerRun) {
      return refuse(
        issue(
          "limit_exceeded",
          `limit patchesPerRun is ${limits.patchesPerRun}: no more patches can be applied to this run`,
        ),
      );
    }
    if (swap.record.source.kind === "agent") {
      const forbidden = checkAgentPatch(swap.patch);
      if (forbidden.length > 0) return refuse(forbidden);
    }
    const current = this.host.store.getMeta<WorkflowDefinition>("definition")!;
    const applied = applyPatch(current, swap.patch, limits);
    if (!applied.ok) return refuse(applied.errors);
    const live = checkLive(run.ir, run.state, swap.patch);
    if (live.length > 0) return refuse(live);
    const ir = compileWorkflow(applied.definition);
    swap.definition = applied.definition;
    const rebased = rebaseState(run.ir, ir, run.state);
    run.ir = ir;
    for (const id of rebased.addedNodes)
      run.context.nodes[id] = this.host.outputs.entry(id, "pending");
    const patched = signal as Extract<Signal, { type: "patched" }>;
    patched.addedEdges = rebased.addedEdges;
    patched.touched = rebased.touched;
    swap.added = rebased.addedNodes;
    return true;
  }

  /** Inside the step's transaction: the swapped graph, the rebased edges, the patch applied. */
  persistSwap(swap: Swap, now: number): StoredEvent[] {
    const { store } = this.host;
    const run = this.host.run()!;
    store.setMeta("ir", run.ir);
    store.setMeta("definition", swap.definition!);
    store.replaceEdges(run.state.edges);
    this.host.secrets.applied(swap.patch, swap.record.source);
    for (const id of swap.added ?? []) store.saveNode(id, run.state.nodes[id]!);
    this.host.patches.decide(swap.record.id, "applied", [], now);
    this.host.patchChanged(swap.record.id);
    return [
      store.appendEvent(
        {
          type: "patch_applied",
          ...(swap.record.source.kind === "agent" ? { nodeId: swap.record.source.nodeId } : {}),
          data: { patchId: swap.record.id, addedNodes: swap.added ?? [], ops: swap.patch.ops },
        },
        now,
      ),
    ];
  }

  /** Every patch proposed to the run, in order. */
  list(): PatchRecord[] {
    return this.host.patches.all();
  }

  /** Records a refusal and its event; returns the event (sent to live clients by the caller when asked). */
  private reject(
    id: number,
    issues: ValidationIssue[],
    now: number,
    broadcast = true,
  ): StoredEvent[] {
    const problems: PatchProblem[] = issues.map((i) => ({
      path: i.path,
      at: formatPath(i.path),
      code: i.code,
      message: i.message,
    }));
    const record = this.host.patches.get(id)!;
    const event = this.host.storage.transactionSync(() => {
      this.host.patches.decide(id, "rejected", problems, now);
      return this.host.store.appendEvent(
        {
          type: "patch_rejected",
          ...(record.source.kind === "agent" ? { nodeId: record.source.nodeId } : {}),
          data: { patchId: id, problems },
        },
        now,
      );
    });
    this.host.patchChanged(id);
    if (broadcast) this.host.emit([event]);
    return [event];
  }
}
