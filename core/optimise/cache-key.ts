import { canonicalJson, sha256Hex } from "../cas/hash";
import type { CacheSpec } from "../compile/ir";
import type { RunContext } from "../executors/context";
import { KINDS, type KindRegistry } from "../kinds/registry";

/** Bumped when what goes into a key changes: every older entry then misses. */
export const CACHE_KEY_VERSION = 1;

/** What a semantic cache key is made of (cache-keys.ts has the contract). */
export interface KeyParts {
  kind: string;
  /** The config as executed (templates rendered), without its `cache` setting. */
  config: Record<string, unknown>;
  /** Values the node reads besides its config (a transform's `nodes.x` and `input`). */
  inputs: Record<string, unknown>;
  /** The model that answers (agents), null for other kinds. */
  model: string | null;
}

/**
 * The text that is hashed: canonical JSON, so key order never matters.
 * @example
 * keyMaterial({ kind: "http", config: { url: "https://x" }, inputs: {}, model: null });
 * // '{"config":{"url":"https://x"},"inputs":{},"kind":"http","model":null,"v":1}'
 */
export function keyMaterial(parts: KeyParts): string {
  const { cache: _cache, ...config } = parts.config;
  return canonicalJson({
    v: CACHE_KEY_VERSION,
    kind: parts.kind,
    config,
    inputs: parts.inputs,
    model: parts.model,
  });
}

/**
 * key = sha256(kind, resolved config, resolved inputs, model), hex.
 * @example
 * await semanticKey({ kind: "agent", config: { prompt: "hi", temperature: 0 }, inputs: {}, model: "gpt-4o-mini" });
 */
export function semanticKey(parts: KeyParts): Promise<string> {
  return sha256Hex(keyMaterial(parts));
}

/**
 * The key parts of a node about to run: `config` as it will execute (rendered for http and
 * agent; a transform's expression as written), and for a transform the current values of the
 * context paths its marking lists. An output that is absent stays absent (JSONata's `$exists`
 * tells it from null), and a node's status is included when it is read.
 * @example
 * keyParts({ type: "transform", config: { expression: "nodes.a.output + 1" } }, { ttlSeconds: 60, inputs: ["nodes.a"] }, ctx);
 * // { kind: "transform", config: {...}, inputs: { "nodes.a": { status: "succeeded", output: 1 } }, model: null }
 */
export function keyParts(
  node: { type: string; config: Record<string, unknown> },
  spec: CacheSpec,
  context: RunContext,
  defaultModel?: string,
  kinds: KindRegistry = KINDS,
): KeyParts {
  const inputs: Record<string, unknown> = {};
  for (const path of spec.inputs) {
    if (path === "input") {
      inputs.input = context.input ?? null;
    } else if (path.startsWith("nodes.")) {
      const entry = context.nodes[path.slice("nodes.".length)];
      inputs[path] = entry ? { status: entry.status, output: entry.output } : null;
    }
  }
  // A model's answer is keyed on the model that gives it, the node's own or the default.
  if (kinds.get(node.type)?.traits.model) {
    return { ...agentKeyParts(node.config, defaultModel), kind: node.type };
  }
  return { kind: node.type, config: node.config, inputs, model: null };
}

/**
 * An agent's key parts: its rendered config (prompt, system, tools, temperature and the rest;
 * the model taken out) and the model that answers, the node's own or the platform default.
 * Any change to the prompt, the model or any other config value gives another key.
 * @example
 * agentKeyParts({ prompt: "Summarise {{ }}", temperature: 0, cache: true }, "gpt-4o-mini").model; // "gpt-4o-mini"
 */
export function agentKeyParts(config: Record<string, unknown>, defaultModel?: string): KeyParts {
  const { model, ...rest } = config;
  const chosen = typeof model === "string" && model.length > 0 ? model : (defaultModel ?? null);
  return { kind: "agent", config: rest, inputs: {}, model: chosen };
}
