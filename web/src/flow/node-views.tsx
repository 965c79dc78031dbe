import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { NodeCard } from "./NodeCard";
import type { EndNode, StartNode, StepNode } from "./node-data";
import { SimpleNode, useSimpleNodes } from "./SimpleNode";

export const StartNodeView = memo(function StartNodeView(props: NodeProps<StartNode>) {
  const View = useSimpleNodes() ? SimpleNode : NodeCard;
  return <View {...props} input={false} output={true} />;
});

export const EndNodeView = memo(function EndNodeView(props: NodeProps<EndNode>) {
  const View = useSimpleNodes() ? SimpleNode : NodeCard;
  return <View {...props} input={true} output={false} />;
});

export const StepNodeView = memo(function StepNodeView(props: NodeProps<StepNode>) {
  const View = useSimpleNodes() ? SimpleNode : NodeCard;
  return <View {...props} input={true} output={true} />;
});
