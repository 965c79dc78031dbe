import type { IRNode } from "../compile/ir";
import type { PassContext } from "./context";
import { nodeReferences } from "./effects";

/** TTL of an agent whose config says `cache: true`. */
export const DEFAULT_AGENT_CACHE_TTL_SECONDS = 3600;

/**
 * **Semantic cache keys.** Contract:
 *
 * - Marks deterministic nodes whose output a later run may reuse, with `cache: { ttlSeconds,
 *   inputs }`:
 *   - `http` GET/HEAD without body whose config has `cache: { ttlSeconds }`;
 *   - `transform` with `cache: { ttlSeconds }` whose expression reads neither `run`, nor the
 *     context as a whole, nor a volatile function ($now, $millis, $random...);
 *   - `agent` with `temperature: 0`, no tool but `get_workflow` (patches and fetched data are
 *     effects a reused answer would skip), and `cache: true` (TTL
 *     {@link DEFAULT_AGENT_CACHE_TTL_SECONDS}) or `cache: { ttlSeconds }`.
 * - The key (computed at run time, cache-key.ts) is sha256 of the canonical JSON of
 *   `{ kind, config, inputs, model }`: the rendered config without its `cache` setting, the
 *   values of `inputs` (for a transform, the context paths it reads, listed here), and the model
 *   (agents: the node's or the platform default). Any change to the prompt, model, URL, headers,
 *   expression or the values read is a different key, so a miss.
 * - Records one rewrite per marked node. Omitted nodes are not marked.
 */
export function cacheKeys(ctx: PassContext): void {
  for (const node of ctx.ir.nodes) {
    if (node.omit || node.mode === "skip") continue;
    const spec = cacheSpec(node);
    if (!spec) continue;
    node.cache = spec;
    ctx.record({
      pass: "cache_keys",
      nodes: [node.id],
      reason: `deterministic ${node.type}: its output is reused for ${spec.ttlSeconds} s by runs with the same ${
        node.type === "agent" ? "prompt, model and config" : "rendered config and inputs"
      }`,
      detail: { ttlSeconds: spec.ttlSeconds, inputs: spec.inputs },
    });
  }
}

function ttlOf(cache: unknown, fallback?: number): number | null {
  if (cache === true && fallback !== undefined) return fallback;
  if (cache && typeof cache === "object") {
    const ttl = (cache as { ttlSeconds?: unknown }).ttlSeconds;
    if (typeof ttl === "number" && Number.isFinite(ttl) && ttl > 0) return Math.floor(ttl);
  }
  return null;
}

/** The cache marking a node gets, or null when it is not deterministic or did not ask. */
export function cacheSpec(node: Pick<IRNode, "type" | "config" | "body">): {
  ttlSeconds: number;
  inputs: string[];
} | null {
  const config = node.config as Record<string, unknown>;
  switch (node.type) {
    case "http": {
      const method = String(config.method ?? "GET").toUpperCase();
      if (method !== "GET" && method !== "HEAD") return null;
      if (config.body !== undefined && config.body !== null) return null;
      const ttlSeconds = ttlOf(config.cache);
      return ttlSeconds === null ? null : { ttlSeconds, inputs: [] };
    }
    case "transform": {
      const ttlSeconds = ttlOf(config.cache);
      if (ttlSeconds === null) return null;
      const refs = nodeReferences(node as IRNode);
      if (refs.unknown || refs.volatile || refs.run || refs.item) return null;
      const inputs = [
        ...(refs.input ? ["input"] : []),
        ...[...refs.nodes].sort().map((id) => `nodes.${id}`),
      ];
      return { ttlSeconds, inputs };
    }
    case "agent": {
      if (config.temperature !== 0) return null;
      // A tool that patches the graph or fetches outside data makes the answer more than a
      // function of the prompt: such agents always run.
      const tools = Array.isArray(config.tools) ? (config.tools as unknown[]) : [];
      if (tools.some((t) => t !== "get_workflow")) return null;
      const ttlSeconds = ttlOf(config.cache, DEFAULT_AGENT_CACHE_TTL_SECONDS);
      return ttlSeconds === null ? null : { ttlSeconds, inputs: [] };
    }
    default:
      return null;
  }
}
