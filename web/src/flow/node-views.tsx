import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { NodeCard } from "./NodeCard";
import type { EndNode, StartNode, StepNode } from "./node-data";

export const StartNodeView = memo(function StartNodeView(props: NodeProps<StartNode>) {
  return <NodeCard {...props} input={false} output={true} />;
});

export const EndNodeView = memo(function EndNodeView(props: NodeProps<EndNode>) {
  return <NodeCard {...props} input={true} output={false} />;
});

export const StepNodeView = memo(function StepNodeView(props: NodeProps<StepNode>) {
  return <NodeCard {...props} input={true} output={true} />;
});
