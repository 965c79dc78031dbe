import type { IRNode } from "../compile/ir";
import { KINDS, type KindRegistry } from "../kinds/registry";
import { configReferences, mergeReferences, type References } from "./references";

/**
 * A node whose kind declares `pure` (transform, condition, switch, join): it reads the context
 * and produces a value. Everything else counts as a side effect (an HTTP request of any method,
 * a delay, a person's approval, a map, an agent, and unknown kinds, which the optimiser cannot
 * see into).
 */
export function isPure(node: IRNode, kinds: KindRegistry = KINDS): boolean {
  return kinds.get(node.type)?.traits.pure === true && node.mode !== "skip";
}

/** What a node reads from the context, its map step's config included. */
export function nodeReferences(node: IRNode): References {
  const refs = configReferences(node.type, node.config);
  if (node.body) mergeReferences(refs, configReferences(node.body.type, node.body.config));
  return refs;
}
