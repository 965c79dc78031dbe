import { addUsage, type Usage, ZERO_USAGE } from "../../core/agents/usage";

export type ExecutionUsage = Usage & { model: string };

interface Row extends Record<string, SqlStorageValue> {
  node_id: string;
  attempt: number;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  calls: number;
  cost_usd: number | null;
}

/**
 * Model usage per agent execution (`usage` table) and the run's total, kept in memory. An
 * execution is counted once however many times its result is delivered.
 */
export class UsageLedger {
  private total: Usage | null = null;

  constructor(private readonly sql: SqlStorage) {}

  record(nodeId: string, attempt: number, u: ExecutionUsage): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO usage (node_id, attempt, model, prompt_tokens, completion_tokens, cached_tokens, calls, cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      nodeId,
      attempt,
      u.model,
      u.promptTokens,
      u.completionTokens,
      u.cachedTokens,
      u.calls,
      u.costUsd,
    );
    this.total = null;
  }

  /** The run's total. */
  spent(): Usage {
    if (!this.total) {
      this.total = this.rows().reduce<Usage>((sum, r) => addUsage(sum, r), { ...ZERO_USAGE });
    }
    return this.total;
  }

  /** Per node, summed over its attempts. */
  byNode(): Map<string, Usage> {
    const out = new Map<string, Usage>();
    for (const r of this.rows()) out.set(r.nodeId, addUsage(out.get(r.nodeId) ?? ZERO_USAGE, r));
    return out;
  }

  /** Per execution, keyed `<node>\n<attempt>`. */
  byAttempt(): Map<string, ExecutionUsage> {
    return new Map(this.rows().map((r) => [`${r.nodeId}\n${r.attempt}`, r]));
  }

  /** Every execution's usage. */
  all(): ExecutionUsage[] {
    return this.rows();
  }

  /** One execution's usage, or undefined. */
  of(nodeId: string, attempt: number): ExecutionUsage | undefined {
    return this.rows().find((r) => r.nodeId === nodeId && r.attempt === attempt);
  }

  private rows(): (ExecutionUsage & { nodeId: string; attempt: number })[] {
    return this.sql
      .exec<Row>(`SELECT * FROM usage`)
      .toArray()
      .map((r) => ({
        nodeId: r.node_id,
        attempt: r.attempt,
        model: r.model,
        promptTokens: r.prompt_tokens,
        completionTokens: r.completion_tokens,
        cachedTokens: r.cached_tokens,
        calls: r.calls,
        costUsd: r.cost_usd,
      }));
  }
}
