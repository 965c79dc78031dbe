/**
 * A run's child runs and the notices it owes other runs (docs/COMPOSITION.md), in its SQLite.
 * A child is recorded under its subworkflow node's attempt before it starts, so a wake finds
 * it by name; a notice (a child's end to its parent, a cancel to a child) is written in the
 * step that causes it and kept until the other run took it.
 */

/**
 * Something this run must tell another run (`target` a run id), or, `release`, the gate that
 * started it that its slot is free (`target` the gate's name, docs/FLOW-CONTROL.md).
 */
export type NoticeKind = "child_ended" | "cancel" | "release";

export interface Notice {
  id: number;
  /** The run it is for. */
  target: string;
  kind: NoticeKind;
}

/** A map item's try that a child runs: its index and the item's attempt. */
export interface ItemTry {
  index: number;
  attempt: number;
}

/** A child as its parent records it. */
export interface ChildRecord {
  nodeId: string;
  attempt: number;
  /** When the child runs one item of a map over a subworkflow step. */
  item?: ItemTry;
  childRunId: string;
  ended: boolean;
}

export class ChildBook {
  constructor(private readonly sql: SqlStorage) {}

  /** Names the child of a node's attempt (or item try); naming it again changes nothing. */
  record(child: Omit<ChildRecord, "ended">): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO children (node_id, attempt, item, item_attempt, child_run_id)
       VALUES (?, ?, ?, ?, ?)`,
      child.nodeId,
      child.attempt,
      child.item?.index ?? -1,
      child.item?.attempt ?? 0,
      child.childRunId,
    );
  }

  /** The child of a node's attempt (or item try), if it has one. */
  childOf(nodeId: string, attempt: number, item?: ItemTry): ChildRecord | undefined {
    return this.all().find(
      (c) =>
        c.nodeId === nodeId &&
        c.attempt === attempt &&
        c.item?.index === item?.index &&
        c.item?.attempt === item?.attempt,
    );
  }

  /** Every child, in the order they were named. */
  all(): ChildRecord[] {
    type Row = {
      node_id: string;
      attempt: number;
      item: number;
      item_attempt: number;
      child_run_id: string;
      ended: number;
    };
    return this.sql
      .exec<Row>(
        `SELECT node_id, attempt, item, item_attempt, child_run_id, ended FROM children
         ORDER BY rowid`,
      )
      .toArray()
      .map((r) => ({
        nodeId: r.node_id,
        attempt: r.attempt,
        ...(r.item >= 0 ? { item: { index: r.item, attempt: r.item_attempt } } : {}),
        childRunId: r.child_run_id,
        ended: r.ended === 1,
      }));
  }

  /** The child's end was taken. */
  markEnded(childRunId: string): void {
    this.sql.exec(`UPDATE children SET ended = 1 WHERE child_run_id = ?`, childRunId);
  }

  owe(notice: Omit<Notice, "id">): void {
    this.sql.exec(
      `INSERT INTO notices (target, kind, body) VALUES (?, ?, '{}')`,
      notice.target,
      notice.kind,
    );
  }

  /** Notices not yet taken, oldest first. */
  owed(): Notice[] {
    type Row = { id: number; target: string; kind: NoticeKind };
    return this.sql
      .exec<Row>(`SELECT id, target, kind FROM notices ORDER BY id`)
      .toArray()
      .map((r) => ({ id: r.id, target: r.target, kind: r.kind }));
  }

  paid(id: number): void {
    this.sql.exec(`DELETE FROM notices WHERE id = ?`, id);
  }
}
