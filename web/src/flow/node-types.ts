import type { NodeTypes } from "@xyflow/react";
import { EndNodeView, StartNodeView, StepNodeView } from "./node-views";

/** Defined once at module scope: a new object per render would remount every node. */
export const nodeTypes = {
  start: StartNodeView,
  end: EndNodeView,
  step: StepNodeView,
} satisfies NodeTypes;
