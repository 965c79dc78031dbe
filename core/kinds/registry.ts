import { z } from "zod";
import { agent } from "./agent";
import { approval } from "./approval";
import { condition } from "./condition";
import { delay } from "./delay";
import { end } from "./end";
import { http } from "./http";
import { join } from "./join";
import type { NodeKind } from "./kind";
import { map } from "./map";
import { start } from "./start";
import { subworkflow } from "./subworkflow";
import { switchKind } from "./switch";
import { transform } from "./transform";
import { wait } from "./wait";

/** Every kind the platform runs, in the palette's order. Adding a kind = its file + a line here. */
export const BUILTIN_KINDS = [
  start,
  end,
  http,
  transform,
  condition,
  switchKind,
  join,
  delay,
  map,
  approval,
  agent,
  subworkflow,
  wait,
] as const;

/** The name of a built-in kind. */
export type KindName = (typeof BUILTIN_KINDS)[number]["type"];
/** The kinds whose work is I/O (the runner has an executor for each: workers/runner/executors.ts). */
export type IoKindName = Extract<(typeof BUILTIN_KINDS)[number], { execution: "io" }>["type"];

/** A set of kinds by type name: what validation, the compiler, the scheduler and executors read. */
export interface KindRegistry {
  /** The kind for a type, or undefined for an unknown type (skipped at run time). */
  get(type: string): NodeKind | undefined;
  all(): readonly NodeKind[];
}

/**
 * A registry of these kinds (a type name given twice is refused). The platform uses
 * {@link KINDS}; a test builds its own with an extra kind and passes it where kinds are read.
 * @example
 * const kinds = createKindRegistry([...BUILTIN_KINDS, upper]);
 * kinds.get("upper")?.execution; // "inline"
 */
export function createKindRegistry(kinds: readonly NodeKind[]): KindRegistry {
  const byType = new Map<string, NodeKind>();
  for (const kind of kinds) {
    if (byType.has(kind.type)) throw new Error(`kind "${kind.type}" is declared twice`);
    byType.set(kind.type, kind);
  }
  const all = [...kinds];
  return { get: (type) => byType.get(type), all: () => all };
}

/** The platform's kinds. */
export const KINDS: KindRegistry = createKindRegistry(BUILTIN_KINDS);

/** The kind for a type in the platform's registry, or undefined for an unknown type. */
export function kindOf(type: string): NodeKind | undefined {
  return KINDS.get(type);
}

export function allKinds(): readonly NodeKind[] {
  return KINDS.all();
}

/** What GET /api/node-types serves: the registry with each config as JSON Schema. */
export function describeKinds(kinds: KindRegistry = KINDS) {
  return kinds.all().map((k) => ({
    type: k.type,
    title: k.title,
    description: k.description,
    status: k.status,
    execution: k.execution,
    configSchema: z.toJSONSchema(k.config, { io: "input", unrepresentable: "any" }),
    defaults: k.defaults,
  }));
}
