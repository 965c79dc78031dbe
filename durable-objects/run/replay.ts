/**
 * Replay (ARCHITECTURE.md, "Replay"), the engine's two halves: a source run gives its recorded
 * results, and a replay answers an upstream node's first execution from them.
 */

import type { Command } from "../../core/scheduler/commands";
import type { OutputRef } from "../../core/wire/blob-ref";
import type { Loaded } from "./context";
import type { Pending } from "./pending";
import type { RunStore } from "./store";

/** Recorded results of a source run that a replay reuses instead of executing. */
export interface ReplaySeed {
  sourceRunId: string;
  fromNode: string;
  /** Each node's port and output: inline, or (`outputRef`) the blob the source run holds. */
  recorded: Record<string, { port: string | null; output: unknown; outputRef?: OutputRef }>;
}

/**
 * In a replay, an upstream node's first execution reuses the source run's recorded result:
 * nothing is executed or fetched again. True when `push` got that result.
 */
export function replayed(
  replay: ReplaySeed | null,
  command: Extract<Command, { type: "execute" }>,
  push: (pending: Pending) => void,
): boolean {
  const recorded = replay?.recorded[command.nodeId];
  if (!recorded || command.iteration !== 0) return false;
  push({
    signal: {
      type: "result",
      nodeId: command.nodeId,
      attempt: command.attempt,
      outcome: { ok: true, port: recorded.port },
    },
    ...(recorded.outputRef ? { outputRef: recorded.outputRef } : { output: recorded.output }),
  });
  return true;
}

/** Succeeded nodes' ports and outputs, for a replay of this run. */
export function recorded(
  run: Loaded | null,
  store: RunStore,
  nodeIds: string[],
): ReplaySeed["recorded"] {
  const out: ReplaySeed["recorded"] = {};
  if (!run) return out;
  for (const id of nodeIds) {
    const st = run.state.nodes[id];
    if (st?.status !== "succeeded") continue;
    const stored = store.output(id);
    const port = st.port ?? null;
    // A reference is reused as it is: the replay is the same tenant's, so the blob is its own.
    if (stored?.ref) out[id] = { port, output: null, outputRef: stored.ref };
    else out[id] = { port, output: stored ? (JSON.parse(stored.json) as unknown) : null };
  }
  return out;
}
