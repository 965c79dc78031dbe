import type { Edge, Node } from "@xyflow/react";
import { kindOf } from "../../../core/kinds";
import type { NodeStatus } from "./status";

/** A problem on a node from validation; `field` is the config field it is about, if any. */
export interface NodeIssue {
  field?: string;
  /** The config path below `field` (e.g. ["retry", "maxAttempts"] of map's `node`). */
  subPath?: (string | number)[];
  message: string;
}

/** What every workflow node on a canvas carries: its spec, plus view state. */
export interface StepData extends Record<string, unknown> {
  /** The kind (`type` of the node spec). */
  kind: string;
  /** Kind title for display (from the registry), or the kind itself when unknown. */
  title: string;
  name?: string;
  config: Record<string, unknown>;
  join?: "all" | "any";
  timeoutMs?: number;
  /** Budget of each evaluation of the node's expressions, ms (1..1000; 100 when unset). */
  expressionTimeoutMs?: number;
  retry?: {
    maxAttempts: number;
    backoff?: "exponential" | "fixed";
    initialDelayMs?: number;
    maxDelayMs?: number;
  };
  /** Builder: validation problems on this node. */
  issues?: NodeIssue[];
  /** Run view: the node's live status. */
  status?: NodeStatus;
  /** Run view: attempt number shown on the node. */
  attempt?: number;
  /** Run view: the id of the agent's (or person's) patch that added the node. */
  addedBy?: number;
  /** Run view: patches that changed the node (`update_node`). */
  changedBy?: number[];
}

/**
 * The canvas node union. Start nodes have no input, end nodes no success output; every other
 * kind is a step. They share their data; the type picks how the node is drawn.
 */
export type StartNode = Node<StepData, "start">;
export type EndNode = Node<StepData, "end">;
export type StepNode = Node<StepData, "step">;
export type CanvasNode = StartNode | EndNode | StepNode;
export type CanvasNodeType = CanvasNode["type"];

export interface LinkData extends Record<string, unknown> {
  /** A back edge: the only edge allowed to close a cycle. */
  loop?: { maxIterations: number };
  /** Builder: validation problems on this edge. */
  issues?: string[];
  /** Run view: the patch that added the edge. */
  addedBy?: number;
  /** Run view: the patch that removed the edge (drawn faded). */
  removedBy?: number;
}
export type CanvasEdge = Edge<LinkData>;

/** The canvas shape of a kind: the run's entry (start), its output (end), or a step. */
export function canvasTypeOf(kind: string): CanvasNodeType {
  const traits = kindOf(kind)?.traits;
  if (traits?.entry) return "start";
  if (traits?.runOutput) return "end";
  return "step";
}
