import { Handle, type NodeProps, Position, useNodeConnections } from "@xyflow/react";
import type { CanvasNode } from "./node-data";
import { ERROR_PORT, portsOf, SUCCESS_PORT } from "./ports";
import "../ui/badge.css";
import "./flow.css";

/** Several ports are stacked under the node's header, this far apart. */
const PORT_TOP = 44;
const PORT_GAP = 20;

interface Options {
  /** Start nodes take no input. */
  input: boolean;
  /** End nodes have no success output (only `error`). */
  output: boolean;
}

/** Ports with an edge that the node no longer has (a switch case renamed): drawn in red. */
function useStalePorts(ports: readonly string[]): string[] {
  const connections = useNodeConnections({ handleType: "source" });
  const known = new Set([...ports, ERROR_PORT]);
  const stale = new Set<string>();
  for (const c of connections) {
    if (c.sourceHandle && !known.has(c.sourceHandle)) stale.add(c.sourceHandle);
  }
  return [...stale];
}

/**
 * One workflow node: kind, id, name, a handle per outcome port on the right (labelled when
 * there are several), `error` at the bottom, the input on the left. In the run view it shows
 * the node's status; in the builder, its validation problems.
 */
export function NodeCard({ id, data, selected, input, output }: NodeProps<CanvasNode> & Options) {
  const ports = output ? portsOf(data.kind, data.config) : [];
  const stale = useStalePorts(ports);
  const labelled = ports.length > 1 || (ports[0] !== undefined && ports[0] !== SUCCESS_PORT);
  const issues = data.issues ?? [];
  const status = data.status;
  const outs = [
    ...ports.map((p) => ({ port: p, stale: false })),
    ...stale.map((p) => ({ port: p, stale: true })),
  ];
  const classes = ["wf-node", `wf-node-${data.kind}`];
  if (status) classes.push(`status-${status}`);
  if (issues.length > 0 && !status) classes.push("has-issues");
  if (selected) classes.push("selected");
  if (labelled) classes.push("wf-node-ports");
  const addedBy = data.addedBy;
  const changedBy = data.changedBy ?? [];
  if (addedBy !== undefined) classes.push("wf-node-added");
  else if (changedBy.length > 0) classes.push("wf-node-changed");
  return (
    <div
      className={classes.join(" ")}
      data-testid={`node-${id}`}
      data-status={status}
      data-issues={issues.length}
      data-added-by={addedBy}
      style={outs.length > 1 ? { minHeight: PORT_TOP + outs.length * PORT_GAP } : undefined}
    >
      {input && (
        <Handle type="target" position={Position.Left} id="in" className="handle handle-in" />
      )}
      <div className="wf-node-head">
        <span className="wf-node-kind">{data.title}</span>
        {status && <span className={`badge status-${status}`}>{status}</span>}
      </div>
      <div className="wf-node-id">{data.name ? `${data.name}` : id}</div>
      {data.name && <div className="wf-node-sub">{id}</div>}
      {issues.length > 0 && !status && (
        <div className="wf-node-issue" title={issues.map((i) => i.message).join("\n")}>
          ⚠ {issues.length === 1 ? issues[0]!.message : `${issues.length} problems`}
        </div>
      )}
      {addedBy !== undefined && <div className="wf-node-patch">added by patch {addedBy}</div>}
      {addedBy === undefined && changedBy.length > 0 && (
        <div className="wf-node-patch">
          changed by patch{changedBy.length > 1 ? "es" : ""} {changedBy.join(", ")}
        </div>
      )}
      {status && data.attempt !== undefined && data.attempt > 1 && (
        <div className="wf-node-sub">attempt {data.attempt}</div>
      )}
      {outs.map(({ port, stale: isStale }, i) => {
        const top = outs.length === 1 ? "50%" : PORT_TOP + i * PORT_GAP;
        return (
          <Handle
            key={port}
            type="source"
            position={Position.Right}
            id={port}
            className={`handle handle-out${isStale ? " handle-stale" : ""}`}
            style={{ top }}
            data-port={port}
          >
            {(labelled || isStale) && (
              <span className="handle-label">{isStale ? `${port} (gone)` : port}</span>
            )}
          </Handle>
        );
      })}
      <Handle
        type="source"
        position={Position.Bottom}
        id={ERROR_PORT}
        className="handle handle-error"
        data-port={ERROR_PORT}
      >
        <span className="handle-label handle-label-error">error</span>
      </Handle>
    </div>
  );
}
