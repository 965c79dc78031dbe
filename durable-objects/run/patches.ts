import type { Patch, PatchOp, PatchSource } from "../../core/patches";
import type { PatchProblem, PatchRecord, PatchStatus } from "../../core/wire/run-view";

export type { PatchProblem, PatchRecord, PatchStatus };

interface Row extends Record<string, SqlStorageValue> {
  id: number;
  source: string;
  ops: string;
  reason: string | null;
  status: string;
  problems: string | null;
  proposed_at: number;
  decided_at: number | null;
}

/** The run's patches, in proposal order, in the RunObject's SQLite (`patches` table). */
export class PatchBook {
  constructor(private readonly sql: SqlStorage) {}

  propose(patch: Patch, source: PatchSource, at: number): PatchRecord {
    const id = this.count() + 1;
    this.sql.exec(
      `INSERT INTO patches (id, source, ops, reason, status, proposed_at) VALUES (?, ?, ?, ?, 'proposed', ?)`,
      id,
      JSON.stringify(source),
      JSON.stringify(patch.ops),
      patch.reason ?? null,
      at,
    );
    return this.get(id)!;
  }

  decide(id: number, status: "applied" | "rejected", problems: PatchProblem[], at: number): void {
    this.sql.exec(
      `UPDATE patches SET status = ?, problems = ?, decided_at = ? WHERE id = ?`,
      status,
      problems.length > 0 ? JSON.stringify(problems) : null,
      at,
      id,
    );
  }

  get(id: number): PatchRecord | undefined {
    const row = this.sql.exec<Row>(`SELECT * FROM patches WHERE id = ?`, id).toArray()[0];
    return row ? toRecord(row) : undefined;
  }

  all(): PatchRecord[] {
    return this.sql.exec<Row>(`SELECT * FROM patches ORDER BY id`).toArray().map(toRecord);
  }

  /** Accepted patches in order: what the materialised graph is made of. */
  applied(): Patch[] {
    return this.all()
      .filter((p) => p.status === "applied")
      .map((p) => (p.reason === undefined ? { ops: p.ops } : { ops: p.ops, reason: p.reason }));
  }

  count(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM patches`).one().n;
  }

  appliedCount(): number {
    return this.sql
      .exec<{ n: number }>(`SELECT count(*) AS n FROM patches WHERE status = 'applied'`)
      .one().n;
  }
}

function toRecord(row: Row): PatchRecord {
  const record: PatchRecord = {
    id: row.id,
    source: JSON.parse(row.source) as PatchSource,
    ops: JSON.parse(row.ops) as PatchOp[],
    status: row.status as PatchStatus,
    proposedAt: row.proposed_at,
  };
  if (row.reason !== null) record.reason = row.reason;
  if (row.problems !== null) record.problems = JSON.parse(row.problems) as PatchProblem[];
  if (row.decided_at !== null) record.decidedAt = row.decided_at;
  return record;
}
