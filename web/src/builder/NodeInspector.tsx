import { useEffect, useState } from "react";
import {
  DEFAULT_EXPRESSION_TIMEOUT_MS,
  MAX_EXPRESSION_TIMEOUT_MS,
} from "../../../core/expressions/limits";
import { kindOf } from "../../../core/kinds/registry";
import type { NodeTypeInfo } from "../api/types";
import type { CanvasEdge, CanvasNode, NodeIssue, StepData } from "../flow/node-data";
import { ERROR_PORT, portsOf } from "../flow/ports";
import { asSchema } from "../schema/json-schema";
import { SchemaForm } from "../schema/SchemaForm";
import { AgentToolsSection } from "./AgentToolsSection";
import { CalledWorkflowField } from "./CalledWorkflowField";

/** Agent config drawn by the tools section rather than as JSON fields. */
const TOOL_FIELDS = new Set(["mcp", "httpTools"]);

export interface NodeInspectorProps {
  node: CanvasNode;
  kind: NodeTypeInfo | undefined;
  nodes: readonly CanvasNode[];
  edges: readonly CanvasEdge[];
  issues: readonly NodeIssue[];
  onConfig(field: string, value: unknown): void;
  onData(patch: (data: StepData) => StepData, key: string): void;
  onRename(newId: string): string | null;
  onConnect(port: string, target: string): void;
  onDisconnect(edgeId: string): void;
  onDelete(): void;
}

function IdField({
  id,
  onRename,
  issues,
}: {
  id: string;
  onRename(next: string): string | null;
  issues: readonly NodeIssue[];
}) {
  const [text, setText] = useState(id);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setText(id);
    setProblem(null);
  }, [id]);
  const commit = () => {
    if (text === id) return;
    setProblem(onRename(text));
  };
  const messages = [
    ...(problem ? [problem] : []),
    ...issues.filter((i) => i.field === "$id").map((i) => i.message),
  ];
  return (
    <div className="field">
      <label htmlFor="node-id">Id</label>
      <input
        id="node-id"
        value={text}
        spellCheck={false}
        aria-invalid={messages.length > 0}
        aria-describedby="node-id-help"
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
        }}
      />
      <p className="help" id="node-id-help">
        Expressions refer to it as <code>nodes.{id}.output</code>; renaming does not rewrite them.
      </p>
      {messages.map((m) => (
        <p key={m} className="field-error">
          {m}
        </p>
      ))}
    </div>
  );
}

/** The selected node: id, name, its kind's config form, joins, timeout, retries, connections. */
export function NodeInspector(props: NodeInspectorProps) {
  const { node, kind, issues, onData } = props;
  const data = node.data;
  const model = kindOf(data.kind)?.traits.model === true;
  const full = asSchema(kind?.configSchema);
  const schema =
    model && full.properties
      ? {
          ...full,
          properties: Object.fromEntries(
            Object.entries(full.properties).filter(([name]) => !TOOL_FIELDS.has(name)),
          ),
        }
      : full;
  const general = issues.filter((i) => i.field === undefined);
  const specIssues = (field: string) => issues.filter((i) => i.field === `$${field}`);
  return (
    <section className="inspector-body" aria-label={`Node ${node.id}`}>
      <header className="inspector-head">
        <h2>{kind?.title ?? data.kind}</h2>
        <button type="button" className="danger small" onClick={props.onDelete}>
          Delete node
        </button>
      </header>
      {kind ? (
        <p className="help">{kind.description}</p>
      ) : (
        <p className="note note-warn">
          Unknown kind "{data.kind}": the engine skips it and the run goes on past it.
        </p>
      )}
      {general.map((i) => (
        <p key={i.message} className="field-error" role="alert">
          {i.message}
        </p>
      ))}
      {specIssues("type").map((i) => (
        <p key={i.message} className="field-error" role="alert">
          {i.message}
        </p>
      ))}
      <IdField id={node.id} onRename={props.onRename} issues={issues} />
      <div className="field">
        <label htmlFor="node-name">Name</label>
        <input
          id="node-name"
          value={data.name ?? ""}
          placeholder="optional label"
          onChange={(e) =>
            onData((d) => {
              const next = { ...d };
              if (e.target.value === "") delete next.name;
              else next.name = e.target.value;
              return next;
            }, `name:${node.id}`)
          }
        />
      </div>
      <section aria-label="Configuration">
        <h3>Configuration</h3>
        {kindOf(data.kind)?.traits.wait?.for === "child" && (
          <CalledWorkflowField
            nodeId={node.id}
            value={(data.config as Record<string, unknown> | undefined)?.workflow}
            onChange={(name) => props.onConfig("workflow", name)}
          />
        )}
        <SchemaForm
          schema={schema}
          value={data.config}
          onChange={props.onConfig}
          issues={issues.filter((i) => i.field !== undefined && !i.field.startsWith("$"))}
          idPrefix={`cfg-${node.id}`}
        />
        {model && (
          <AgentToolsSection
            nodeId={node.id}
            config={(data.config as Record<string, unknown> | undefined) ?? {}}
            onConfig={props.onConfig}
            issues={issues.filter((i) => i.field !== undefined && TOOL_FIELDS.has(i.field))}
          />
        )}
      </section>
      <Connections {...props} />
      <details className="advanced">
        <summary>Join, timeout and retries</summary>
        <div className="field">
          <label htmlFor="node-join">Join</label>
          <select
            id="node-join"
            value={data.join ?? "all"}
            onChange={(e) =>
              onData(
                (d) => ({ ...d, join: e.target.value === "any" ? "any" : "all" }),
                `join:${node.id}`,
              )
            }
          >
            <option value="all">all: wait for every incoming branch</option>
            <option value="any">any: go on the first branch that arrives</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="node-timeout">Timeout (ms)</label>
          <input
            id="node-timeout"
            type="number"
            min={1}
            value={data.timeoutMs ?? ""}
            placeholder={kind ? String(kind.defaults.timeoutMs) : ""}
            onChange={(e) =>
              onData((d) => {
                const next = { ...d };
                if (e.target.value === "") delete next.timeoutMs;
                else next.timeoutMs = Number(e.target.value);
                return next;
              }, `timeout:${node.id}`)
            }
          />
          {specIssues("timeoutMs").map((i) => (
            <p key={i.message} className="field-error">
              {i.message}
            </p>
          ))}
        </div>
        <div className="field">
          <label htmlFor="node-expression-timeout">Expression budget (ms, at most 1000)</label>
          <input
            id="node-expression-timeout"
            type="number"
            min={1}
            max={MAX_EXPRESSION_TIMEOUT_MS}
            value={data.expressionTimeoutMs ?? ""}
            placeholder={String(DEFAULT_EXPRESSION_TIMEOUT_MS)}
            onChange={(e) =>
              onData((d) => {
                const next = { ...d };
                if (e.target.value === "") delete next.expressionTimeoutMs;
                else next.expressionTimeoutMs = Number(e.target.value);
                return next;
              }, `expression-timeout:${node.id}`)
            }
          />
          {specIssues("expressionTimeoutMs").map((i) => (
            <p key={i.message} className="field-error">
              {i.message}
            </p>
          ))}
        </div>
        <div className="field">
          <label htmlFor="node-attempts">Attempts</label>
          <input
            id="node-attempts"
            type="number"
            min={1}
            max={20}
            value={data.retry?.maxAttempts ?? ""}
            placeholder={kind ? String(kind.defaults.retry.maxAttempts) : ""}
            onChange={(e) =>
              onData((d) => {
                const next = { ...d };
                if (e.target.value === "") delete next.retry;
                else next.retry = { ...(d.retry ?? {}), maxAttempts: Number(e.target.value) };
                return next;
              }, `retry:${node.id}`)
            }
          />
          {specIssues("retry").map((i) => (
            <p key={i.message} className="field-error">
              {i.message}
            </p>
          ))}
        </div>
      </details>
    </section>
  );
}

/** Outgoing edges by port, with a way to add one without a pointer. */
function Connections({ node, nodes, edges, onConnect, onDisconnect }: NodeInspectorProps) {
  const ports = node.type === "end" ? [] : portsOf(node.data.kind, node.data.config);
  const all = [...ports, ERROR_PORT];
  const [port, setPort] = useState(all[0] ?? ERROR_PORT);
  const [target, setTarget] = useState("");
  const targets = nodes.filter((n) => n.id !== node.id && n.type !== "start");
  const out = edges.filter((e) => e.source === node.id);
  return (
    <section aria-label="Connections">
      <h3>Connections</h3>
      {out.length === 0 ? (
        <p className="muted">
          No outgoing edges. Drag from a port on the right of the node, or add one here.
        </p>
      ) : (
        <ul className="connections">
          {out.map((e) => (
            <li key={e.id}>
              <span className="port-name">{e.sourceHandle ?? "success"}</span> → {e.target}
              <button
                type="button"
                className="small"
                aria-label={`Remove edge ${e.sourceHandle ?? "success"} to ${e.target}`}
                onClick={() => onDisconnect(e.id)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {targets.length > 0 && (
        <div className="connect-row">
          <label className="sr-only" htmlFor="connect-port">
            Port
          </label>
          <select
            id="connect-port"
            value={all.includes(port) ? port : all[0]}
            onChange={(e) => setPort(e.target.value)}
          >
            {all.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <label className="sr-only" htmlFor="connect-target">
            Target node
          </label>
          <select id="connect-target" value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">to node…</option>
            {targets.map((n) => (
              <option key={n.id} value={n.id}>
                {n.id}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="small"
            disabled={target === ""}
            onClick={() => {
              onConnect(all.includes(port) ? port : (all[0] ?? ERROR_PORT), target);
              setTarget("");
            }}
          >
            Connect
          </button>
        </div>
      )}
    </section>
  );
}
