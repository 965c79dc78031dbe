import type { IRNode } from "../compile/ir";
import { configReferences, mergeReferences, type References } from "./references";

/**
 * Kinds whose execution has no effect outside the run: they read the context and produce a
 * value. Everything else counts as a side effect (an HTTP request of any method, a delay, a
 * person's approval, a map, an agent, and unknown kinds, which the optimiser cannot see into).
 */
export const PURE_KINDS: ReadonlySet<string> = new Set([
  "transform",
  "condition",
  "switch",
  "join",
]);

export function isPure(node: IRNode): boolean {
  return PURE_KINDS.has(node.type) && node.mode !== "skip";
}

/** What a node reads from the context, its map step's config included. */
export function nodeReferences(node: IRNode): References {
  const refs = configReferences(node.type, node.config);
  if (node.body) mergeReferences(refs, configReferences(node.body.type, node.body.config));
  return refs;
}
