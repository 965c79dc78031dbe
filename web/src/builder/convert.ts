import type { EdgeSpec, WorkflowDefinitionInput } from "../../../core/workflow/definition";
import type { CanvasEdge, CanvasNode, LinkData, StepData } from "../flow/node-data";
import { canvasTypeOf } from "../flow/node-data";
import { ERROR_PORT, needsPortName, SUCCESS_PORT } from "../flow/ports";
import { isRecord } from "../schema/json-schema";
import { layeredLayout } from "./layout";

/** The workflow-level fields the canvas does not hold. */
export interface WorkflowMeta {
  name: string;
  description?: string;
  /** The run settings at the top of the definition, kept as they are unless edited. */
  settings?: RunSettings;
}

/** A definition's top-level settings (budget, deadline, flow control, offered as a tool). */
export type RunSettings = Pick<
  WorkflowDefinitionInput,
  "budget" | "timeoutSeconds" | "concurrency" | "throttle" | "debounce" | "exposeAsTool"
>;

const SETTINGS = [
  "budget",
  "timeoutSeconds",
  "concurrency",
  "throttle",
  "debounce",
  "exposeAsTool",
] as const;

export interface Canvas {
  meta: WorkflowMeta;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

/** A stable id for an edge, from what makes it unique in a definition. */
export function edgeId(from: string, port: string | null | undefined, to: string): string {
  return `${from}:${port ?? SUCCESS_PORT}->${to}`;
}

type NodeInput = WorkflowDefinitionInput["nodes"][number];

/** Builds one canvas node for a workflow node. */
export function canvasNode(
  spec: NodeInput,
  position: { x: number; y: number },
  title: string,
): CanvasNode {
  const data: StepData = {
    kind: spec.type,
    title,
    config: isRecord(spec.config) ? structuredClone(spec.config) : {},
  };
  if (spec.name !== undefined) data.name = spec.name;
  if (spec.join === "any" || spec.join === "all") data.join = spec.join;
  if (spec.timeoutMs !== undefined) data.timeoutMs = spec.timeoutMs;
  if (spec.expressionTimeoutMs !== undefined) data.expressionTimeoutMs = spec.expressionTimeoutMs;
  if (spec.retry !== undefined) data.retry = structuredClone(spec.retry);
  return { id: spec.id, type: canvasTypeOf(spec.type), position, data };
}

/**
 * A workflow definition on a canvas: one node per workflow node, placed at `ui.positions` (or by
 * the layered layout for nodes without a position), one edge per workflow edge, with the
 * outcome port as the source handle.
 * @example
 * const canvas = toCanvas(definition, new Map([["start", "Start"]]));
 */
export function toCanvas(
  definition: WorkflowDefinitionInput,
  titles: ReadonlyMap<string, string>,
): Canvas {
  const edges = definition.edges ?? [];
  const saved = definition.ui?.positions ?? {};
  const missing = definition.nodes.some((n) => saved[n.id] === undefined);
  const computed = missing
    ? layeredLayout(
        definition.nodes.map((n) => n.id),
        edges,
      )
    : {};
  const byId = new Map(definition.nodes.map((n) => [n.id, n]));
  const meta: WorkflowMeta = { name: definition.name };
  if (definition.description !== undefined) meta.description = definition.description;
  const settings: RunSettings = {};
  for (const key of SETTINGS) {
    if (definition[key] !== undefined) Object.assign(settings, { [key]: definition[key] });
  }
  if (Object.keys(settings).length > 0) meta.settings = structuredClone(settings);
  return {
    meta,
    nodes: definition.nodes.map((n) =>
      canvasNode(n, saved[n.id] ?? computed[n.id] ?? { x: 0, y: 0 }, titles.get(n.type) ?? n.type),
    ),
    edges: edges.map((e): CanvasEdge => {
      const source = byId.get(e.from);
      const handle =
        e.on ??
        (source && needsPortName(source.type, isRecord(source.config) ? source.config : {})
          ? null
          : SUCCESS_PORT);
      const data: LinkData = {};
      if (e.loop) data.loop = { maxIterations: e.loop.maxIterations };
      return {
        id: edgeId(e.from, e.on, e.to),
        source: e.from,
        target: e.to,
        sourceHandle: handle,
        targetHandle: "in",
        data,
      };
    }),
  };
}

/**
 * The workflow definition a canvas shows: nodes in canvas order (validation paths index into
 * them), edges with `on` when their source has more than one port or for `error`, positions in
 * `ui.positions`.
 * @example
 * const definition = toDefinition(canvas); // ready for POST /api/workflows
 */
export function toDefinition(canvas: Canvas): WorkflowDefinitionInput {
  const kindOf = new Map(canvas.nodes.map((n) => [n.id, n.data]));
  const nodes = canvas.nodes.map((n): NodeInput => {
    const d = n.data;
    const spec: NodeInput = {
      id: n.id,
      type: d.kind,
      config: structuredClone(d.config),
    };
    if (d.name) spec.name = d.name;
    if (d.join === "any") spec.join = "any";
    if (d.timeoutMs !== undefined) spec.timeoutMs = d.timeoutMs;
    if (d.expressionTimeoutMs !== undefined) spec.expressionTimeoutMs = d.expressionTimeoutMs;
    if (d.retry !== undefined) spec.retry = structuredClone(d.retry);
    return spec;
  });
  const edges = canvas.edges.map((e): EdgeSpec => {
    const source = kindOf.get(e.source);
    const port = e.sourceHandle ?? null;
    const edge: EdgeSpec = { from: e.source, to: e.target };
    if (port === ERROR_PORT) edge.on = ERROR_PORT;
    else if (port !== null && source && needsPortName(source.kind, source.config)) edge.on = port;
    else if (port !== null && port !== SUCCESS_PORT) edge.on = port;
    if (e.data?.loop) edge.loop = { maxIterations: e.data.loop.maxIterations };
    return edge;
  });
  const positions: Record<string, { x: number; y: number }> = {};
  for (const n of canvas.nodes) {
    positions[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  }
  const definition: WorkflowDefinitionInput = {
    name: canvas.meta.name,
    nodes,
    edges,
    ui: { positions },
  };
  if (canvas.meta.description) definition.description = canvas.meta.description;
  for (const key of SETTINGS) {
    const value = canvas.meta.settings?.[key];
    if (value !== undefined) Object.assign(definition, { [key]: structuredClone(value) });
  }
  return definition;
}

/** The node and edge ids of a canvas in definition order, to place validation issues. */
export function definitionOrder(canvas: Canvas): { nodeIds: string[]; edgeIds: string[] } {
  return { nodeIds: canvas.nodes.map((n) => n.id), edgeIds: canvas.edges.map((e) => e.id) };
}

/**
 * Reads an imported file: a definition, or a workflow as `GET /api/workflows/:id` returns it
 * (`{ definition }`). Returns a message saying what is wrong otherwise.
 */
export function parseImport(text: string): WorkflowDefinitionInput | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (isRecord(value) && isRecord(value.definition)) value = value.definition;
  if (!isRecord(value)) return "expected a JSON object with `name`, `nodes` and `edges`";
  if (!Array.isArray(value.nodes)) return "the definition has no `nodes` list";
  for (const [i, n] of value.nodes.entries()) {
    if (!isRecord(n) || typeof n.id !== "string" || typeof n.type !== "string") {
      return `nodes[${i}] needs a string \`id\` and \`type\``;
    }
  }
  if (value.edges !== undefined && !Array.isArray(value.edges)) return "`edges` must be a list";
  for (const [i, e] of ((value.edges as unknown[] | undefined) ?? []).entries()) {
    if (!isRecord(e) || typeof e.from !== "string" || typeof e.to !== "string") {
      return `edges[${i}] needs string \`from\` and \`to\``;
    }
  }
  return {
    ...(value as unknown as WorkflowDefinitionInput),
    name: typeof value.name === "string" && value.name !== "" ? value.name : "imported workflow",
  };
}
