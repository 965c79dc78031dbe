/**
 * Sub-workflows (docs/COMPOSITION.md): a subworkflow node's attempt names its child run, parks
 * (wait reason `child`) and starts it; the child's end comes back as the node's result through
 * a notice; a parent that ends with a child still active cancels it, and a child's own end is a
 * notice to its parent. Notices are written in the step that causes them and sent after it
 * (effects.ts), until the other run has taken them.
 */

import type { Budget } from "../../core/agents/budget";
import type { Usage } from "../../core/agents/usage";
import { type NodeError, NonRetryableError, toNodeError } from "../../core/errors";
import type { RunContext } from "../../core/executors/context";
import { limitsOf } from "../../core/executors/inline";
import { render } from "../../core/kinds/evaluate";
import { MAX_SUBWORKFLOW_DEPTH, type SubworkflowConfig } from "../../core/kinds/subworkflow";
import { type GraphSize, graphSize, parseRunLimits, treeLimitRefusal } from "../../core/patches";
import type { Outcome } from "../../core/scheduler/signals";
import type { OutputRef } from "../../core/wire/blob-ref";
import { holdBlobs } from "../../db/blobs";
import { runForDeletion } from "../../db/lifecycle";
import { gateOfQueued } from "../../db/runs";
import { findVersion, findWorkflow, listWorkflows } from "../../db/workflows";
import { admitStart } from "../../platform/admission";
import { jsonBlob, readOutputRef } from "../../platform/output-refs";
import type { GatedBy } from "../gate/gate-book";
import { gateObject } from "../gate/gates";
import type { ChildBook, ItemTry, Notice } from "./children";
import type { Loaded } from "./context";
import type { RunStorage } from "./host";
import type { Pending } from "./pending";
import { runObject } from "./rpc";
import { StartRefused, startRun } from "./start";
import type { RunStore } from "./store";
import { TreeTally } from "./tree-tally";

/** Where a child run answers: its parent's run, node and attempt (kept in the child's meta). */
export interface ParentLink {
  runId: string;
  nodeId: string;
  attempt: number;
  /** When the child runs one item of a map over a subworkflow step. */
  item?: ItemTry;
  /** The child's depth: a root run's child is at 1. */
  depth: number;
  /** The tree's root run, which keeps its tally (tree-tally.ts); absent in older runs. */
  rootRunId?: string;
}

/** A root's answer to a child's reservation in its tree's tally. */
export type TreeReserved = { ok: true } | { ok: false; message: string };

/** A child's end, as it tells its parent (`RunObject.childEnded`). */
export interface ChildEnded {
  childRunId: string;
  nodeId: string;
  attempt: number;
  item?: ItemTry;
  status: "completed" | "failed" | "cancelled";
  /** What the child (and its own children) spent on models: the parent counts it as its own. */
  usage?: Usage;
  output?: unknown;
  outputRef?: OutputRef;
  error?: NodeError;
}

/** What the engine lends this module. */
export interface ChildRunsHost {
  storage: RunStorage;
  env: Env;
  now(): number;
  store: RunStore;
  children: ChildBook;
  run(): Loaded;
  push(pending: Pending): void;
  kick(): Promise<void>;
  /** Work started outside the pump that settled() waits for. */
  track(work: Promise<void>): Promise<void>;
  /** What this run may still spend, or null without a budget (budget-hold.ts). */
  budgetLeft(): Budget | null;
  /** What this run spent so far, its children's included. */
  spent(): Usage;
}

const PARENT = "parent";
/** The gate a run was queued in (docs/FLOW-CONTROL.md). */
const GATE = "gate";

/** Where a child is started from: a subworkflow node's attempt, or a map item's try of one. */
export interface ChildAt {
  nodeId: string;
  attempt: number;
  item?: ItemTry;
  /** The subworkflow step: the node, or the map's step. */
  step: { config: unknown; expressionTimeoutMs?: number };
}

/** A map item's result must be inline (docs/PAYLOADS.md): a child's output up to this. */
const MAX_ITEM_OUTPUT_BYTES = 1024 * 1024;
/** The model name a child's spending is recorded under in its parent's usage. */
const CHILD_MODEL = "(child run)";

/** The tighter of two budgets, limit by limit; undefined when neither has one. */
function narrower(a: Budget | undefined, b: Budget | undefined): Budget | undefined {
  if (!a || !b) return a ?? b;
  const min = (x?: number, y?: number) =>
    x === undefined ? y : y === undefined ? x : Math.min(x, y);
  const tokens = min(a.tokens, b.tokens);
  const costUsd = min(a.costUsd, b.costUsd);
  return {
    ...(tokens === undefined ? {} : { tokens }),
    ...(costUsd === undefined ? {} : { costUsd }),
  };
}

/** A child's id, from its parent's run, node, attempt and item: the same on every try. */
async function childIdOf(parent: string, at: Omit<ChildAt, "step">): Promise<string> {
  const item = at.item ? `\n${at.item.index}\n${at.item.attempt}` : "";
  const bytes = new TextEncoder().encode(`${parent}\n${at.nodeId}\n${at.attempt}${item}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = [...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `run_${hex}`;
}

export class ChildRuns {
  /**
   * The workflow and version each node's attempt resolved: a map's items share their node's
   * attempt, so a fan-out of 1,000 children reads the workflow once, not once per item.
   */
  private readonly resolved = new Map<string, ReturnType<ChildRuns["resolve"]>>();
  private readonly tally: TreeTally;

  constructor(private readonly host: ChildRunsHost) {
    this.tally = new TreeTally(host.storage.sql);
  }

  /**
   * In the tree's root: counts a child's graph against the run limits, which the whole tree
   * shares (tree-tally.ts). The root's own graph is its current one, patches included.
   */
  reserveInTree(childRunId: string, size: GraphSize): TreeReserved {
    const { storage, store, env } = this.host;
    const limits = parseRunLimits(env.AOB_RUN_LIMITS);
    return storage.transactionSync((): TreeReserved => {
      if (this.tally.has(childRunId)) return { ok: true };
      const own = graphSize(store.getMeta("definition"));
      const counted = this.tally.total();
      const refusal = treeLimitRefusal(
        {
          agents: own.agents + counted.agents + size.agents,
          nodes: own.nodes + counted.nodes + size.nodes,
        },
        limits,
      );
      if (refusal) return { ok: false, message: refusal };
      this.tally.count(childRunId, size);
      return { ok: true };
    });
  }

  /** The tree's root, where a child's start is counted. */
  private root(): string {
    const parent = this.parent();
    return parent?.rootRunId ?? parent?.runId ?? this.host.run().meta.runId;
  }

  /** The run this one is a child of, if it is one. */
  parent(): ParentLink | undefined {
    return this.host.store.getMeta<ParentLink>(PARENT);
  }

  /** Every child named, in order. */
  named() {
    return this.host.children.all();
  }

  /** Inside the create transaction of a run its gate started: where its release is owed. */
  linkGate(gated: GatedBy): void {
    this.host.store.setMeta(GATE, gated);
  }

  /** Inside the create transaction of a child run: where its end is owed. */
  linkParent(parent: ParentLink): void {
    this.host.store.setMeta(PARENT, parent);
  }

  /**
   * A subworkflow node's attempt, or a map item's try of a subworkflow step: resolves the
   * workflow and version, renders the input, names the child, parks the node (an item simply
   * stays running), then starts the child outside the pump. A child already started (a wake
   * re-ran this) is not started again.
   */
  async start(at: ChildAt, context: RunContext): Promise<void> {
    const { env, storage, children } = this.host;
    const run = this.host.run();
    const config = at.step.config as SubworkflowConfig;
    const depth = (this.parent()?.depth ?? 0) + 1;
    if (depth > MAX_SUBWORKFLOW_DEPTH) {
      // A version saved after the check can close a cycle: the depth stops it at run time.
      throw new NonRetryableError(
        "subworkflow_too_deep",
        `node "${at.nodeId}": sub-workflows nest deeper than ${MAX_SUBWORKFLOW_DEPTH}`,
      );
    }
    const key = `${at.nodeId}\n${at.attempt}`;
    let resolving = this.resolved.get(key);
    if (!resolving) {
      resolving = this.resolve(at.nodeId, config, run.meta.tenantId);
      this.resolved.set(key, resolving);
      // A failed resolution (D1 refused) is tried again by the next item, not kept.
      resolving.catch(() => this.resolved.delete(key));
    }
    const target = await resolving;
    const limits = limitsOf(at.step.expressionTimeoutMs);
    const input = config.input === undefined ? null : await render(config.input, context, limits);
    const childRunId = await childIdOf(run.meta.runId, at);
    const { nodeId, attempt, item } = at;
    storage.transactionSync(() =>
      children.record({ nodeId, attempt, childRunId, ...itemOf(item) }),
    );
    if (!item) {
      this.host.push({
        signal: {
          type: "wait",
          nodeId,
          attempt,
          until: null,
          reason: "child",
          data: { childRunId, workflowId: target.workflowId, version: target.version },
        },
      });
    }
    const budget = narrower(
      (target.definition as { budget?: Budget }).budget,
      this.host.budgetLeft() ?? undefined,
    );
    const refuse = async (error: NodeError) => {
      this.host.push({ signal: resultSignal(at, { ok: false, error }) });
      await this.host.kick();
    };
    const root = this.root();
    const start = (recorded: boolean) =>
      startRun(env, {
        runId: childRunId,
        tenantId: run.meta.tenantId,
        workflowId: target.workflowId,
        version: target.version,
        definition: target.definition,
        input,
        trigger: "subworkflow",
        parent: {
          runId: run.meta.runId,
          nodeId,
          attempt,
          ...itemOf(item),
          depth,
          rootRunId: root,
        },
        ...(budget ? { budget } : {}),
        ...(recorded ? { recorded } : {}),
      });
    const launch = async () => {
      // A `runs` row an earlier start wrote (before a restart, or a start whose create call
      // failed: the row is written first) does not prove the child's object was created: one
      // that holds no run is created under that row (create is idempotent). A queued one its
      // gate starts.
      let recorded: Awaited<ReturnType<typeof runForDeletion>> = null;
      try {
        recorded = await runForDeletion(env.DB, childRunId);
        if (recorded?.status === "queued") return;
        if (recorded && (await runObject(env, childRunId).get())) return;
        if (!recorded) {
          const size = graphSize(target.definition);
          const reserved =
            root === run.meta.runId
              ? this.reserveInTree(childRunId, size)
              : await runObject(env, root).reserveInTree(childRunId, size);
          if (!reserved.ok) {
            await refuse({
              code: "limit_exceeded",
              message: `node "${nodeId}": ${reserved.message}`,
              retryable: false,
            });
            return;
          }
          // A child's start is a start: admitted like any other (platform/admission.ts).
          const admission = await admitStart(env, run.meta.tenantId, target.definition);
          if (!admission.ok) {
            await refuse({
              code: "admission_refused",
              message: `node "${nodeId}": ${admission.message}`,
              retryable: true,
              retryAfterMs: admission.retryAfterSeconds * 1000,
            });
            return;
          }
        }
        await start(recorded !== null).catch(async (err: unknown) => {
          // This start's row was written (or another start of this child won it, two starts
          // racing) but its create failed: the object is created under that row once more.
          if (recorded || !(await runForDeletion(env.DB, childRunId).catch(() => null))) throw err;
          await start(true);
        });
      } catch (err) {
        await refuse(
          err instanceof StartRefused
            ? { code: "child_not_started", message: err.message, retryable: false }
            : { ...toNodeError(err), code: "child_not_started" },
        );
      }
    };
    void this.host.track(launch());
  }

  /** The workflow and version a node names, in the run's tenant. */
  private async resolve(nodeId: string, config: SubworkflowConfig, tenantId: string) {
    const { DB } = this.host.env;
    const byId = await findWorkflow(DB, tenantId, config.workflow);
    const workflow =
      byId ?? (await listWorkflows(DB, { tenantId, limit: 1, name: config.workflow }))[0];
    if (!workflow) {
      throw new NonRetryableError(
        "workflow_not_found",
        `node "${nodeId}": no workflow "${config.workflow}" in this workspace`,
      );
    }
    const version = config.version === "latest" ? workflow.latestVersion : config.version;
    const row = await findVersion(DB, workflow.id, version);
    if (!row) {
      throw new NonRetryableError(
        "version_not_found",
        `node "${nodeId}": workflow "${config.workflow}" has no version ${version}`,
      );
    }
    return { workflowId: workflow.id, version, definition: JSON.parse(row.definition) as unknown };
  }

  /**
   * A child's end, as the result of its node's attempt (or item's try); null when no such
   * child was named (a stale or forged notice). The scheduler ignores a result for an attempt
   * no longer waiting.
   */
  async ended(notice: ChildEnded): Promise<Pending | null> {
    const { nodeId, attempt, item } = notice;
    const child = this.host.children.childOf(nodeId, attempt, item);
    if (!child || child.childRunId !== notice.childRunId) return null;
    const at = { nodeId, attempt, ...itemOf(item) };
    const spent = notice.usage && (notice.usage.calls > 0 || notice.usage.promptTokens > 0);
    const usage = spent && !item ? { usage: { ...notice.usage!, model: CHILD_MODEL } } : {};
    if (notice.status === "completed") {
      const ok = { ok: true as const, port: null };
      if (notice.outputRef && item) {
        // A map item's result is inline: a small one is read back, a large one fails the item.
        if (notice.outputRef.bytes > MAX_ITEM_OUTPUT_BYTES) {
          const error: NodeError = {
            code: "output_too_large",
            message: `child run ${notice.childRunId}'s output is ${notice.outputRef.bytes} bytes; a map item's result may be ${MAX_ITEM_OUTPUT_BYTES}`,
            retryable: false,
          };
          return { signal: resultSignal(at, { ok: false, error }) };
        }
        const output = await readOutputRef(this.host.env.BLOBS, notice.outputRef);
        return { signal: resultSignal(at, ok), output };
      }
      if (notice.outputRef) {
        // The parent holds the child's output too, so deleting the child keeps it.
        const { tenantId, runId } = this.host.run().meta;
        const { hash, bytes } = notice.outputRef;
        await holdBlobs(this.host.env.DB, [
          jsonBlob({ tenantId, runId }, hash, bytes, this.host.now()),
        ]);
        return { signal: resultSignal(at, ok), outputRef: notice.outputRef, ...usage };
      }
      return { signal: resultSignal(at, ok), output: notice.output ?? null, ...usage };
    }
    const error: NodeError =
      notice.status === "failed"
        ? {
            code: "child_failed",
            message: `child run ${notice.childRunId} failed: ${notice.error?.message ?? "no reason given"}`,
            retryable: false,
          }
        : {
            code: "child_cancelled",
            message: `child run ${notice.childRunId} was cancelled`,
            retryable: false,
          };
    return { signal: resultSignal(at, { ok: false, error }), ...usage };
  }

  /** A child's end was taken: no cancel is owed to it when this run ends. */
  taken(childRunId: string): void {
    this.host.storage.transactionSync(() => this.host.children.markEnded(childRunId));
  }

  /**
   * Inside the step that finishes the run: its end is owed to its parent, and a cancel to each
   * child whose end it has not taken (its node was cancelled, or its map failed meanwhile).
   */
  owedAtFinish(): void {
    const { children, store } = this.host;
    const parent = this.parent();
    if (parent) children.owe({ target: parent.runId, kind: "child_ended" });
    const gated = store.getMeta<GatedBy>(GATE);
    if (gated) children.owe({ target: gated.gate, kind: "release" });
    for (const child of children.all()) {
      if (!child.ended) children.owe({ target: child.childRunId, kind: "cancel" });
    }
  }

  /** Sends one notice; throws when the other run did not take it (it is sent again). */
  async send(notice: Notice): Promise<void> {
    const { env } = this.host;
    if (notice.kind === "release") {
      await gateObject(env, notice.target).release(this.host.run().meta.runId);
      return;
    }
    if (notice.kind === "cancel") {
      const reason = "its parent run ended";
      if (await runObject(env, notice.target).cancel(reason)) return;
      // No run in its object yet: queued behind its workflow's concurrency limit, or starting.
      const gate = await gateOfQueued(env.DB, notice.target);
      if (gate && !(await gateObject(env, gate).cancel(notice.target, reason))) {
        throw new Error(`child run ${notice.target} is starting: its cancel is sent again`);
      }
      return;
    }
    await runObject(env, notice.target).childEnded(this.endOf());
  }

  /** This run's end, as its parent takes it. */
  private endOf(): ChildEnded {
    const { state, meta } = this.host.run();
    const parent = this.parent()!;
    const base = {
      childRunId: meta.runId,
      nodeId: parent.nodeId,
      attempt: parent.attempt,
      ...itemOf(parent.item),
      usage: this.host.spent(),
    };
    if (state.status === "completed") {
      const out = state.outputNode ? this.host.store.output(state.outputNode) : undefined;
      if (out?.ref) return { ...base, status: "completed", outputRef: out.ref };
      const output = out ? (JSON.parse(out.json) as unknown) : null;
      return { ...base, status: "completed", output };
    }
    if (state.status === "failed") {
      const error = state.failure ?? {
        code: "run_failed",
        message: "the run failed",
        retryable: false,
      };
      return { ...base, status: "failed", error };
    }
    return { ...base, status: "cancelled" };
  }
}

function itemOf(item: ItemTry | undefined): { item?: ItemTry } {
  return item ? { item } : {};
}

/** The result signal of a child's node attempt, or of its map item's try. */
function resultSignal(
  at: { nodeId: string; attempt: number; item?: ItemTry },
  outcome: Outcome,
): Pending["signal"] {
  if (at.item) {
    return {
      type: "item_result",
      nodeId: at.nodeId,
      attempt: at.attempt,
      index: at.item.index,
      itemAttempt: at.item.attempt,
      outcome,
    };
  }
  return { type: "result", nodeId: at.nodeId, attempt: at.attempt, outcome };
}
