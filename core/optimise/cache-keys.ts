import type { CacheSpec, IRNode } from "../compile/ir";
import type { CacheTrait } from "../kinds/kind";
import { KINDS, type KindRegistry } from "../kinds/registry";
import type { PassContext } from "./context";
import { nodeReferences } from "./effects";

export { DEFAULT_AGENT_CACHE_TTL_SECONDS } from "../kinds/agent";

/**
 * **Semantic cache keys.** Contract:
 *
 * - Marks deterministic nodes whose output a later run may reuse, with `cache: { ttlSeconds,
 *   inputs }`, as their kind's `cache` trait allows (core/kinds/kind.ts):
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
    const trait = ctx.kinds.get(node.type)?.traits.cache?.(node.config);
    const spec = trait && specOf(node, trait);
    if (!trait || !spec) continue;
    node.cache = spec;
    ctx.record({
      pass: "cache_keys",
      nodes: [node.id],
      reason: `deterministic ${node.type}: its output is reused for ${spec.ttlSeconds} s by runs with the same ${trait.keyedBy}`,
      detail: { ttlSeconds: spec.ttlSeconds, inputs: spec.inputs },
    });
  }
}

/**
 * The cache marking a node gets, or null when it is not deterministic or did not ask. Its config
 * is read as its kind's schema parses it (defaults applied); a config that does not parse gets none.
 */
export function cacheSpec(
  node: Pick<IRNode, "type" | "config" | "body">,
  kinds: KindRegistry = KINDS,
): CacheSpec | null {
  const kind = kinds.get(node.type);
  const parsed = kind?.config.safeParse(node.config);
  if (!kind?.traits.cache || !parsed?.success) return null;
  const trait = kind.traits.cache(parsed.data);
  return trait ? specOf(node, trait) : null;
}

function specOf(
  node: Pick<IRNode, "type" | "config" | "body">,
  trait: CacheTrait,
): CacheSpec | null {
  const { ttlSeconds, inputs: from, unlessMcpEffects } = trait;
  if (from === "config") {
    return unlessMcpEffects
      ? { ttlSeconds, inputs: [], unlessMcpEffects: [...unlessMcpEffects] }
      : { ttlSeconds, inputs: [] };
  }
  const refs = nodeReferences(node as IRNode);
  if (refs.unknown || refs.volatile || refs.run || refs.item) return null;
  const inputs = [
    ...(refs.input ? ["input"] : []),
    ...[...refs.nodes].sort().map((id) => `nodes.${id}`),
  ];
  return { ttlSeconds, inputs };
}
