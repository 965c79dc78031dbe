import type { Budget } from "../../core/agents/budget";
import { INLINE_OUTPUT_BYTES, utf8Length } from "../../core/limits/output";
import type { NodeView } from "../../core/wire/node-view";
import type { RunView } from "../../core/wire/run-view";
import type { ApprovalBook } from "./approvals";
import type { RunEngine } from "./engine";
import type { RunStore, StoredOutput } from "./store";

export type { RunView };

/** The run as GET /api/runs/:id shows it. */
export function snapshot(engine: RunEngine, store: RunStore, book: ApprovalBook): RunView | null {
  const run = engine.loaded;
  if (!run) return null;
  const outputs = new Map(store.outputs().map((o) => [o.nodeId, o]));
  const usage = engine.usageByNode();
  const inputs = store.latestInputs();
  const patches = engine.patchList();
  const family = engine.family();
  const addedBy = new Map<string, number>();
  for (const p of patches) {
    if (p.status !== "applied") continue;
    for (const op of p.ops) if (op.op === "add_node") addedBy.set(op.node.id, p.id);
  }
  const nodes = run.ir.nodes.map((n): NodeView => {
    const st = run.state.nodes[n.id]!;
    const view: NodeView = {
      id: n.id,
      type: n.type,
      status: st.status,
      attempt: st.attempt,
      iteration: st.iteration,
    };
    if (st.port !== undefined) view.port = st.port;
    if (st.error) view.error = st.error;
    if (st.startedAt !== undefined) view.startedAt = st.startedAt;
    if (st.finishedAt !== undefined) view.finishedAt = st.finishedAt;
    if (st.map) view.progress = { done: st.map.done, total: st.map.total };
    const used = usage.get(n.id);
    if (used) view.usage = used;
    const patch = addedBy.get(n.id);
    if (patch !== undefined) view.addedBy = patch;
    const child = family.children.get(n.id);
    if (child) view.childRunId = child;
    if (st.status === "waiting" && st.waitReason === "event") {
      const wait = engine.eventWait(n.id, st.attempt);
      if (wait) {
        const { name: event, key, expiresAt, url } = wait;
        view.waitingFor = { event, key, expiresAt, url };
      }
    }
    if (inputs.has(n.id)) view.input = inputs.get(n.id);
    if (n.omit) view.omit = n.omit;
    if (n.fusedInto) view.fusedInto = n.fusedInto;
    if (n.plan) view.plan = n.plan;
    const out = outputs.get(n.id);
    if (out && (st.status === "succeeded" || st.status === "skipped")) {
      view.outputHash = out.hash;
      Object.assign(view, shown(out));
    }
    return view;
  });
  const view: RunView = {
    id: run.meta.runId,
    workflowId: run.meta.workflowId,
    version: run.meta.version,
    status: run.state.status,
    tokens: run.state.tokens,
    createdAt: run.meta.createdAt,
    nodes,
    lastSeq: store.lastSeq(),
    usage: { ...engine.spent(), ...budgetOf(engine) },
    patches,
    approvals: book.all().map((a) => ({
      ...a,
      votes: a.votes.map(({ data: _data, ...v }) => v),
    })),
  };
  if (
    run.state.finishedAt !== undefined &&
    run.state.status !== "running" &&
    run.state.status !== "waiting"
  ) {
    view.finishedAt = run.state.finishedAt;
  }
  if (run.state.status === "completed" && run.state.outputNode) {
    const out = outputs.get(run.state.outputNode);
    if (out) {
      view.outputHash = out.hash;
      Object.assign(view, shown(out));
    }
  }
  if (run.state.status === "failed" && run.state.failure) view.error = run.state.failure;
  // IRs stored before IR version 2 have no optimiser record.
  if (run.ir.optimiser) {
    view.optimiser = { kernels: run.ir.optimiser.kernels, rewrites: run.ir.rewrites ?? [] };
    if (run.ir.plan) view.optimiser.plan = run.ir.plan;
  }
  const replay = engine.replayOf();
  if (replay) view.replayOf = { sourceRunId: replay.sourceRunId, fromNode: replay.fromNode };
  if (family.parent) view.parent = family.parent;
  return view;
}

/** An output as the run view shows it: inline up to INLINE_OUTPUT_BYTES, else by its size. */
function shown(out: StoredOutput): { output: unknown } | { outputBytes: number } {
  if (out.ref) return { outputBytes: out.ref.bytes };
  // Characters, not bytes: at most 3 bytes each, so this never inlines more than 3x the limit.
  if (out.json.length > INLINE_OUTPUT_BYTES) return { outputBytes: utf8Length(out.json) };
  return { output: JSON.parse(out.json) as unknown };
}

function budgetOf(engine: RunEngine): { budget?: Budget } {
  const budget = engine.budget();
  return budget ? { budget: budget.current } : {};
}
