import { call } from "../api/client";
import { useSession } from "../api/session";
import type { NodeIssue } from "../flow/node-data";
import { headersText } from "../mcp/server-form";
import { JsonField } from "../schema/fields";
import { Link } from "../ui/Link";
import { useAsync } from "../ui/use-async";
import {
  httpToolsOf,
  mcpUses,
  narrowTools,
  newTool,
  type ToolDraft,
  toggleServer,
} from "./agent-tools";
import "../mcp/mcp.css";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;

/** Problems of one config field, each with the path below it. */
function Issues({ issues }: { issues: readonly NodeIssue[] }) {
  return (
    <>
      {issues.map((i) => (
        <p key={`${i.subPath?.join(".")}:${i.message}`} className="field-error">
          {i.subPath && i.subPath.length > 0 ? `${i.subPath.join(".")}: ` : ""}
          {i.message}
        </p>
      ))}
    </>
  );
}

/**
 * An agent node's tools besides the built-in ones (docs/AGENTS.md): the tenant's MCP servers
 * it may use (and which of their tools), and its custom http tools.
 */
export function AgentToolsSection({
  nodeId,
  config,
  onConfig,
  issues,
}: {
  nodeId: string;
  config: Record<string, unknown>;
  onConfig(field: string, value: unknown): void;
  issues: readonly NodeIssue[];
}) {
  const { client } = useSession();
  const servers = useAsync(
    async () => (await call(client.api["mcp-servers"].$get())).servers,
    [client],
  );
  const uses = mcpUses(config.mcp);
  const tools = httpToolsOf(config.httpTools);
  const registered = new Set((servers.data ?? []).map((s) => s.name));
  const setTools = (next: ToolDraft[]) => onConfig("httpTools", next.length ? next : undefined);
  const update = (i: number, patch: ToolDraft) =>
    setTools(tools.map((t, j) => (j === i ? { ...t, ...patch } : t)));
  const updateRequest = (i: number, patch: Partial<NonNullable<ToolDraft["request"]>>) =>
    update(i, { request: { ...(tools[i]?.request ?? {}), ...patch } });
  const id = (i: number, field: string) => `tool-${nodeId}-${i}-${field}`;
  return (
    <section className="agent-tools" aria-label="Tools">
      <h3>Tools</h3>
      <fieldset className="schema-group">
        <legend>MCP servers</legend>
        <p className="help">
          The model is offered each server's allowed tools as <code>server__tool</code> (
          <Link to={{ page: "mcp-servers" }}>MCP servers</Link>).
        </p>
        {servers.state === "loading" && !servers.data && <p className="muted">loading servers…</p>}
        {servers.data?.length === 0 && (
          <p className="muted">No MCP server is registered in this workspace.</p>
        )}
        {(servers.data ?? []).map((s) => {
          const use = uses.find((u) => u.server === s.name);
          const boxId = `mcp-${nodeId}-${s.name}`;
          return (
            <div key={s.name} className="field">
              <div className="field field-inline">
                <input
                  id={boxId}
                  type="checkbox"
                  checked={use !== undefined}
                  onChange={(e) => onConfig("mcp", toggleServer(uses, s.name, e.target.checked))}
                />
                <label htmlFor={boxId}>
                  {s.name} <span className="muted">({new URL(s.url).host})</span>
                </label>
              </div>
              {use && (
                <>
                  <label htmlFor={`${boxId}-tools`}>Only these tools</label>
                  <input
                    id={`${boxId}-tools`}
                    key={(use.tools ?? []).join(",")}
                    defaultValue={(use.tools ?? []).join(", ")}
                    placeholder={s.allowedTools ? s.allowedTools.join(", ") : "every tool it lists"}
                    onBlur={(e) => onConfig("mcp", narrowTools(uses, s.name, e.target.value))}
                  />
                  <p className="help">
                    Comma-separated; empty: all it allows (
                    {s.allowedTools ? s.allowedTools.join(", ") : "every tool it lists"}).
                    {s.effects.length > 0 && ` With effects: ${s.effects.join(", ")}.`}
                    {Object.keys(s.headers).length > 0 && (
                      <>
                        {" "}
                        Sends <code>{headersText(s.headers).replace(/\n/g, "; ")}</code>.
                      </>
                    )}
                  </p>
                </>
              )}
            </div>
          );
        })}
        {uses
          .filter((u) => servers.data && !registered.has(u.server))
          .map((u) => (
            <p key={u.server} className="field-error">
              No MCP server "{u.server}" is registered: saving fails until it is.{" "}
              <button
                type="button"
                className="small"
                onClick={() => onConfig("mcp", toggleServer(uses, u.server, false))}
              >
                Remove it
              </button>
            </p>
          ))}
        <Issues issues={issues.filter((i) => i.field === "mcp")} />
      </fieldset>
      <fieldset className="schema-group">
        <legend>Custom http tools</legend>
        <p className="help">
          A request the model may make, rendered with its arguments as{" "}
          <code>{"{{ args.name }}"}</code> and secrets as <code>{"{{ secrets.NAME }}"}</code>; the
          arguments are checked against the parameters' JSON Schema first.
        </p>
        {tools.map((tool, i) => (
          <div key={id(i, "card")} className="tool-card" data-tool={tool.name}>
            <div className="tool-card-head">
              <strong>{tool.name || "(unnamed)"}</strong>
              <button
                type="button"
                className="small danger"
                onClick={() => setTools(tools.filter((_, j) => j !== i))}
              >
                Remove tool
              </button>
            </div>
            <div className="field">
              <label htmlFor={id(i, "name")}>Name</label>
              <input
                id={id(i, "name")}
                value={tool.name ?? ""}
                spellCheck={false}
                onChange={(e) => update(i, { name: e.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor={id(i, "description")}>Description (for the model)</label>
              <textarea
                id={id(i, "description")}
                rows={2}
                value={tool.description ?? ""}
                onChange={(e) => update(i, { description: e.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor={id(i, "parameters")}>Parameters (JSON Schema)</label>
              <JsonField
                id={id(i, "parameters")}
                value={tool.parameters}
                onChange={(v) => update(i, { parameters: v as Record<string, unknown> })}
                invalid={false}
                describedBy={undefined}
              />
            </div>
            <div className="field">
              <label htmlFor={id(i, "method")}>Method</label>
              <select
                id={id(i, "method")}
                value={tool.request?.method ?? "GET"}
                onChange={(e) =>
                  updateRequest(i, { method: e.target.value as (typeof METHODS)[number] })
                }
              >
                {METHODS.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={id(i, "url")}>URL</label>
              <input
                id={id(i, "url")}
                value={tool.request?.url ?? ""}
                spellCheck={false}
                onChange={(e) => updateRequest(i, { url: e.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor={id(i, "headers")}>Headers (JSON object)</label>
              <JsonField
                id={id(i, "headers")}
                rows={2}
                value={tool.request?.headers}
                onChange={(v) => updateRequest(i, { headers: v as Record<string, string> })}
                invalid={false}
                describedBy={undefined}
              />
            </div>
            <div className="field">
              <label htmlFor={id(i, "body")}>Body (JSON, optional)</label>
              <JsonField
                id={id(i, "body")}
                rows={3}
                value={tool.request?.body}
                onChange={(v) => updateRequest(i, { body: v })}
                invalid={false}
                describedBy={undefined}
              />
            </div>
            <div className="field field-inline">
              <input
                id={id(i, "effects")}
                type="checkbox"
                checked={tool.effects === true}
                onChange={(e) => update(i, { effects: e.target.checked })}
              />
              <label htmlFor={id(i, "effects")}>Has effects</label>
              <p className="help">
                It changes something (creates, sends, deletes): the node is never answered from the
                semantic cache.
              </p>
            </div>
            <Issues
              issues={issues
                .filter((is) => is.field === "httpTools" && is.subPath?.[0] === i)
                .map((is) => ({ ...is, subPath: is.subPath?.slice(1) ?? [] }))}
            />
          </div>
        ))}
        <button
          type="button"
          className="small"
          onClick={() => setTools([...tools, newTool(tools)])}
        >
          Add a custom tool
        </button>
        <Issues
          issues={issues.filter(
            (i) => i.field === "httpTools" && typeof i.subPath?.[0] !== "number",
          )}
        />
      </fieldset>
    </section>
  );
}
