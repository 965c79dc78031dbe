import { Handle, type NodeProps, Position, type ReactFlowState, useStore } from "@xyflow/react";
import type { CanvasNode } from "./node-data";
import { ERROR_PORT, portsOf } from "./ports";
import { BIG_GRAPH, SIMPLE_BELOW_ZOOM } from "./scale";

/** True while the canvas shows a big graph zoomed out: its nodes are drawn simple. */
const simpleSelector = (s: ReactFlowState) =>
  s.transform[2] < SIMPLE_BELOW_ZOOM && s.nodeLookup.size > BIG_GRAPH;

/** Whether this canvas draws its nodes simple now (a selector: re-renders only on a change). */
export function useSimpleNodes(): boolean {
  return useStore(simpleSelector);
}

/**
 * A node of a big graph, zoomed out: a box of the node's size, bordered by its kind and filled
 * by its status, with its id, and the handles its edges attach to (scale.ts `simpleHandles`
 * says where). No per-node subscriptions beyond the zoom: thousands of them stay cheap.
 */
export function SimpleNode({
  id,
  data,
  selected,
  input,
  output,
}: NodeProps<CanvasNode> & { input: boolean; output: boolean }) {
  const classes = ["wf-node", "wf-node-simple", `wf-node-${data.kind}`];
  if (data.status) classes.push(`status-${data.status}`);
  if (selected) classes.push("selected");
  return (
    <div
      className={classes.join(" ")}
      data-testid={`node-${id}`}
      data-status={data.status}
      title={`${id} (${data.title})${data.status ? `: ${data.status}` : ""}`}
    >
      {input && (
        <Handle type="target" position={Position.Left} id="in" className="handle handle-in" />
      )}
      <span className="wf-node-simple-id">{data.name ?? id}</span>
      {output &&
        portsOf(data.kind, data.config).map((port) => (
          <Handle
            key={port}
            type="source"
            position={Position.Right}
            id={port}
            className="handle handle-out"
          />
        ))}
      <Handle
        type="source"
        position={Position.Bottom}
        id={ERROR_PORT}
        className="handle handle-error"
      />
    </div>
  );
}
