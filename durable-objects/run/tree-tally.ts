/**
 * A root run's tally of its tree (docs/COMPOSITION.md): each sub-workflow run started under it,
 * at any depth, with the agent nodes and nodes its graph brought. A child's start reserves its
 * share here first, so the run limits (`agentsPerRun`, `nodesPerRun`) hold for the whole tree
 * and a workflow cannot escape them by calling itself through sub-workflows. Counted once per
 * child (a second reservation of the same child changes nothing) and kept after the child ends:
 * the limits bound what a tree runs, not what it runs at once.
 */

import type { GraphSize } from "../../core/patches";

export class TreeTally {
  constructor(private readonly sql: SqlStorage) {}

  /** Whether the child is already counted. */
  has(childRunId: string): boolean {
    return (
      this.sql.exec(`SELECT 1 FROM tree_runs WHERE run_id = ?`, childRunId).toArray().length > 0
    );
  }

  /** Every counted child's graphs together. */
  total(): GraphSize {
    const row = this.sql
      .exec<{ agents: number | null; nodes: number | null }>(
        `SELECT SUM(agents) AS agents, SUM(nodes) AS nodes FROM tree_runs`,
      )
      .one();
    return { agents: row.agents ?? 0, nodes: row.nodes ?? 0 };
  }

  count(childRunId: string, size: GraphSize): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO tree_runs (run_id, agents, nodes) VALUES (?, ?, ?)`,
      childRunId,
      size.agents,
      size.nodes,
    );
  }
}
