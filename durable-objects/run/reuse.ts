import type { CacheSpec, IR, IRNode } from "../../core/compile/ir";
import type { RunContext } from "../../core/executors/context";
import { kindOf } from "../../core/kinds/registry";
import { keyParts, semanticKey } from "../../core/optimise/cache-key";
import { type Claimant, RequestCoalescer, requestKey } from "../../core/optimise/coalescer";
import type { Command } from "../../core/scheduler/commands";
import type { Outcome, Signal } from "../../core/scheduler/signals";
import type { RunState } from "../../core/scheduler/state";
import { showSecretRefs } from "../../core/secrets/refs";
import type { OutputRef } from "../../core/wire/blob-ref";
import { mcpEffectsPossible } from "../../platform/mcp/effects";
import { lookupCached, storeCached } from "../../platform/semantic-cache";
import type { RunOutputs } from "./outputs";
import type { SecretPlans } from "./secret-plans";
import type { RunMeta } from "./store";

type ExecuteCommand = Extract<Command, { type: "execute" }>;
type ResultBody = Omit<Extract<Signal, { type: "result" }>, "now">;

/** A result the engine feeds to its pump, with what to add to the node's success event. */
export interface ReusedResult {
  signal: ResultBody;
  output?: unknown;
  outputRef?: OutputRef;
  annotate?: Record<string, unknown>;
}

/** What the engine lends this module. */
export interface ReuseHost {
  env: Env;
  now(): number;
  secrets: SecretPlans;
  outputs: RunOutputs;
  run(): { meta: RunMeta; ir: IR; state: RunState; context: RunContext };
  /** Queues a result signal and wakes the pump. */
  push(result: ReusedResult): void;
  /** Executes a command the normal way (queue send, inline fetch or evaluation). */
  dispatch(command: ExecuteCommand): Promise<void>;
}

interface PendingStore {
  key: string;
  kind: string;
  ttlSeconds: number;
}

/**
 * The run-time half of two optimiser passes, for nodes the IR marks:
 * - `cache` (cache-keys.ts): before executing, look the node's semantic key up in the tenant's
 *   cache (D1 + R2); a live entry answers the node with the stored output, and the success
 *   event says where it came from. A fresh success is stored under the key in the background.
 * - `coalesce` (coalesce.ts): a GET whose rendered request is identical to one in flight in this
 *   run sends nothing and gets that request's result when it arrives.
 * Anything unexpected (a template that does not render, a cache that does not answer) falls
 * back to executing the node normally, so reuse never fails a node that would have run.
 */
export class OutputReuse {
  private readonly coalescer = new RequestCoalescer();
  private readonly stores = new Map<string, PendingStore>();
  private storing: Promise<void> = Promise.resolve();

  constructor(private readonly host: ReuseHost) {}

  /** True when this module takes the command over (a marked node); the engine skips it then. */
  intercept(command: Extract<Command, { type: "execute" | "execute_item" }>): boolean {
    if (command.type !== "execute") return false;
    const { ir } = this.host.run();
    const node = ir.nodes[ir.byId[command.nodeId]!]!;
    if (!node.coalesce && !node.cache) return false;
    void this.take(node, command).catch((err: unknown) => {
      console.error(JSON.stringify({ at: "reuse", node: node.id, error: String(err) }));
      return this.host.dispatch(command);
    });
    return true;
  }

  /** A result entered the pump: hand it to coalesced followers, store it if it is cacheable. */
  observe(item: {
    signal: { type: string };
    output?: unknown;
    outputRef?: OutputRef;
  }): ReusedResult[] {
    if (item.signal.type !== "result") return [];
    const signal = item.signal as ResultBody;
    const who = { nodeId: signal.nodeId, attempt: signal.attempt };
    const store = this.stores.get(id(who));
    if (store) {
      this.stores.delete(id(who));
      if (signal.outcome.ok && item.output !== undefined) this.store(who, store, item.output);
    }
    return this.coalescer
      .settle(who)
      .map((f) => follow(f, signal.outcome, item.output, item.outputRef, who));
  }

  /** Requests not sent because an identical one was in flight. */
  get requestsSaved(): number {
    return this.coalescer.saved;
  }

  /** Waits for the cache writes started so far (tests and shutdown). */
  stored(): Promise<void> {
    return this.storing;
  }

  private async take(node: IRNode, command: ExecuteCommand): Promise<void> {
    const run = this.host.run();
    let config: Record<string, unknown>;
    /** The cache key's config: the same in every run (no nonce), and where secrets were written. */
    let keyed: Record<string, unknown>;
    let context: RunContext;
    try {
      context = await this.host.outputs.contextFor(run.ir, node, run.context);
      // Keyed on what it reads (the marking's inputs): its config is keyed as written.
      if (kindOf(node.type)?.traits.cache?.(node.config)?.inputs === "reads") {
        config = node.config;
        keyed = config;
      } else {
        const rendered = await this.host.secrets.render(node.id, node, context);
        config = rendered.config;
        keyed = showSecretRefs(config, rendered.plan);
        if (rendered.plan.fields.length > 0) {
          keyed = { ...keyed, "\u27e6secretsAt\u27e7": rendered.plan.fields };
        }
      }
    } catch {
      // The normal path reports the template error the way it always does.
      await this.host.dispatch(command);
      return;
    }
    const who = { nodeId: node.id, attempt: command.attempt };
    const cache = node.cache && !(await this.effectsPossible(node.cache)) ? node.cache : null;
    if (cache) {
      const parts = keyParts(
        { type: node.type, config: keyed },
        cache,
        context,
        this.host.env.AOB_DEFAULT_MODEL,
      );
      const key = await semanticKey(parts);
      const hit = await lookupCached(
        this.host.env,
        { tenantId: run.meta.tenantId, runId: run.meta.runId },
        key,
        this.host.now(),
      );
      if (hit) {
        this.host.push({
          signal: { type: "result", nodeId: node.id, attempt: command.attempt, outcome: ok() },
          output: hit.output,
          annotate: {
            cache: {
              hit: true,
              key,
              from: { runId: hit.runId, nodeId: hit.nodeId },
              storedAt: hit.storedAt,
            },
          },
        });
        return;
      }
      this.stores.set(id(who), { key, kind: node.type, ttlSeconds: cache.ttlSeconds });
    }
    if (node.coalesce) {
      const key = requestKey(config, node.timeoutMs);
      if (key !== null && this.coalescer.claim(key, who, (c) => this.current(c)) === "follow") {
        return;
      }
    }
    await this.host.dispatch(command);
  }

  /**
   * An agent whose MCP servers register a tool it may call as having effects is neither
   * answered from the cache nor stored in it: a reused answer would skip the effect. A
   * registration that cannot be read counts as effects.
   */
  private async effectsPossible(cache: CacheSpec): Promise<boolean> {
    if (!cache.unlessMcpEffects?.length) return false;
    const { tenantId } = this.host.run().meta;
    return mcpEffectsPossible(this.host.env.DB, tenantId, cache.unlessMcpEffects).catch(() => true);
  }

  private current(c: Claimant): boolean {
    const st = this.host.run().state.nodes[c.nodeId];
    return !!st && st.attempt === c.attempt && (st.status === "queued" || st.status === "running");
  }

  private store(who: Claimant, entry: PendingStore, output: unknown): void {
    const { meta } = this.host.run();
    const write = () =>
      storeCached(this.host.env, {
        tenantId: meta.tenantId,
        key: entry.key,
        kind: entry.kind,
        output,
        runId: meta.runId,
        nodeId: who.nodeId,
        ttlSeconds: entry.ttlSeconds,
        now: this.host.now(),
      }).catch((err: unknown) =>
        console.error(
          JSON.stringify({ at: "semantic-cache", node: who.nodeId, error: String(err) }),
        ),
      );
    this.storing = this.storing.then(write);
  }
}

function ok(): Outcome {
  return { ok: true, port: null };
}

const id = (c: Claimant) => `${c.nodeId}#${c.attempt}`;

/** A follower's result: the leader's outcome and output, and whom it shared the request with. */
function follow(
  f: Claimant,
  outcome: Outcome,
  output: unknown,
  outputRef: OutputRef | undefined,
  leader: Claimant,
): ReusedResult {
  const result: ReusedResult = {
    signal: { type: "result", nodeId: f.nodeId, attempt: f.attempt, outcome },
    annotate: { coalescedWith: leader.nodeId },
  };
  if (outputRef) result.outputRef = outputRef;
  else if (output !== undefined) result.output = output;
  return result;
}
