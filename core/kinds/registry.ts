import { z } from "zod";
import { agent } from "./agent";
import { approval } from "./approval";
import { subworkflow } from "./coming-soon";
import { condition } from "./condition";
import { delay } from "./delay";
import { end } from "./end";
import { http } from "./http";
import { join } from "./join";
import type { NodeKind } from "./kind";
import { map } from "./map";
import { start } from "./start";
import { switchKind } from "./switch";
import { transform } from "./transform";

const ALL = [
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
] as unknown as NodeKind[];

const BY_TYPE = new Map(ALL.map((k) => [k.type, k]));

/** The kind for a type, or undefined for an unknown type (skipped at run time). */
export function kindOf(type: string): NodeKind | undefined {
  return BY_TYPE.get(type);
}

export function allKinds(): readonly NodeKind[] {
  return ALL;
}

/** What GET /api/node-types serves: the registry with each config as JSON Schema. */
export function describeKinds() {
  return ALL.map((k) => ({
    type: k.type,
    title: k.title,
    description: k.description,
    status: k.status,
    execution: k.execution,
    configSchema: z.toJSONSchema(k.config, { io: "input", unrepresentable: "any" }),
    defaults: k.defaults,
  }));
}
