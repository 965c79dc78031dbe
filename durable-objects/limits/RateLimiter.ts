import { DurableObject } from "cloudflare:workers";
import { type Bucket, type TakeResult, take } from "../../core/limits/token-bucket";

/**
 * Exact rate limits shared by every isolate: one object per scope (`global`, `tenant:<id>`)
 * serialises all takes, and keeps its buckets in SQLite so a restart does not refill them.
 */
export class RateLimiter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at INTEGER NOT NULL)`,
    );
  }

  /** Takes one token from the named bucket of this scope. */
  async take(name: string, capacity: number, windowMs = 60_000): Promise<TakeResult> {
    const sql = this.ctx.storage.sql;
    const row = sql
      .exec<{ tokens: number; updated_at: number }>(
        `SELECT tokens, updated_at FROM buckets WHERE name = ?`,
        name,
      )
      .toArray()[0];
    const previous: Bucket | undefined = row
      ? { tokens: row.tokens, updatedAt: row.updated_at }
      : undefined;
    const { bucket, result } = take(previous, capacity, windowMs, Date.now());
    sql.exec(
      `INSERT INTO buckets (name, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`,
      name,
      bucket.tokens,
      bucket.updatedAt,
    );
    return result;
  }
}
