/**
 * A run's child runs and the notices it owes other runs (docs/COMPOSITION.md), in its SQLite.
 * A child is recorded under its subworkflow node's attempt before it starts, so a wake finds
 * it by name; a notice (a child's end to its parent, a cancel to a child) is written in the
 * step that causes it and kept until the other run took it.
 */

/** Something this run must tell another run. */
export type NoticeKind = "child_ended" | "cancel";

export interface Notice {
  id: number;
  /** The run it is for. */
  target: string;
  kind: NoticeKind;
  /** For `child_ended`: the parent's node and attempt this run answers. */
  nodeId: string | null;
  attempt: number | null;
}

/** A child as its parent records it. */
export interface ChildRecord {
  nodeId: string;
  attempt: number;
  childRunId: string;
  ended: boolean;
}

export class ChildBook {
  constructor(private readonly sql: SqlStorage) {}

  /** Names the child of a node's attempt; a second call for the same attempt changes nothing. */
  record(nodeId: string, attempt: number, childRunId: string): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO children (node_id, attempt, child_run_id) VALUES (?, ?, ?)`,
      nodeId,
      attempt,
      childRunId,
    );
  }

  /** The child of a node's attempt, if it has one. */
  childOf(nodeId: string, attempt: number): ChildRecord | undefined {
    return this.all().find((c) => c.nodeId === nodeId && c.attempt === attempt);
  }

  /** Every child, in the order they were named. */
  all(): ChildRecord[] {
    type Row = { node_id: string; attempt: number; child_run_id: string; ended: number };
    return this.sql
      .exec<Row>(`SELECT node_id, attempt, child_run_id, ended FROM children ORDER BY rowid`)
      .toArray()
      .map((r) => ({
        nodeId: r.node_id,
        attempt: r.attempt,
        childRunId: r.child_run_id,
        ended: r.ended === 1,
      }));
  }

  /** The child's end was taken. */
  markEnded(nodeId: string, attempt: number): void {
    this.sql.exec(
      `UPDATE children SET ended = 1 WHERE node_id = ? AND attempt = ?`,
      nodeId,
      attempt,
    );
  }

  owe(notice: Omit<Notice, "id">): void {
    this.sql.exec(
      `INSERT INTO notices (target, kind, body) VALUES (?, ?, ?)`,
      notice.target,
      notice.kind,
      JSON.stringify({ nodeId: notice.nodeId, attempt: notice.attempt }),
    );
  }

  /** Notices not yet taken, oldest first. */
  owed(): Notice[] {
    type Row = { id: number; target: string; kind: NoticeKind; body: string };
    return this.sql
      .exec<Row>(`SELECT id, target, kind, body FROM notices ORDER BY id`)
      .toArray()
      .map((r) => {
        const body = JSON.parse(r.body) as { nodeId: string | null; attempt: number | null };
        return { id: r.id, target: r.target, kind: r.kind, ...body };
      });
  }

  paid(id: number): void {
    this.sql.exec(`DELETE FROM notices WHERE id = ?`, id);
  }
}
