import { type FormEvent, useState } from "react";
import { MCP_SERVER_NAME } from "../../../core/kinds/agent-tools";
import { allows } from "../../../core/people/roles";
import { call, callNoContent } from "../api/client";
import { useSession } from "../api/session";
import type { McpServer } from "../api/types";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { Problems } from "../ui/notes";
import { PageHead } from "../ui/PageHead";
import { ReplaceOrDelete } from "../ui/ReplaceOrDelete";
import { ResourceTable } from "../ui/ResourceTable";
import { TextField } from "../ui/TextField";
import { useAction } from "../ui/use-action";
import { useAsync } from "../ui/use-async";
import { useDraft } from "../ui/use-draft";
import { headersText, parseHeadersText, splitTools } from "./server-form";
import "./mcp.css";

/** What the form starts from: empty, or a listed server to replace (nothing of it is secret). */
interface Draft {
  name: string;
  url: string;
  headers: string;
  tools: string;
  effects: string;
}

const EMPTY: Draft = { name: "", url: "", headers: "", tools: "", effects: "" };

function draftOf(server: McpServer): Draft {
  return {
    name: server.name,
    url: server.url,
    headers: headersText(server.headers),
    tools: (server.allowedTools ?? []).join(", "),
    effects: server.effects.join(", "),
  };
}

/** Registers a server, or replaces the one of the same name (`PUT`). */
function ServerForm({
  draft,
  taken,
  onSaved,
}: {
  draft: Draft;
  taken: readonly string[];
  onSaved(): void;
}) {
  const { client } = useSession();
  const [form, setForm] = useState<Draft>(draft);
  const { busy, error, run } = useAction();
  const field = (key: keyof Draft) => ({
    value: form[key],
    onChange: (value: string) => setForm({ ...form, [key]: value }),
  });
  const nameOk = MCP_SERVER_NAME.test(form.name);
  const headers = parseHeadersText(form.headers);
  const replaces = taken.includes(form.name);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!nameOk || form.url === "" || !headers.ok) return;
    await run(async () => {
      const tools = splitTools(form.tools);
      await call(
        client.api["mcp-servers"][":name"].$put({
          param: { name: form.name },
          json: {
            url: form.url,
            headers: headers.headers,
            allowedTools: tools.length === 0 ? null : tools,
            effects: splitTools(form.effects),
          },
        }),
      );
      setForm(EMPTY);
      onSaved();
    });
  }

  return (
    <form className="form-card" onSubmit={submit} aria-label="Register an MCP server">
      <h2>Register or replace a server</h2>
      <TextField
        id="mcp-name"
        label="Name"
        {...field("name")}
        invalid={form.name !== "" && !nameOk}
        placeholder="github"
        autoComplete="off"
        help={
          <>
            Agents name it in <code>mcp</code>; its tools reach the model as{" "}
            <code>{form.name || "name"}__tool</code>.
          </>
        }
        problems={
          form.name !== "" && !nameOk ? ["1-32 letters, digits and -, starting with a letter."] : []
        }
      >
        {replaces && <p className="help">Replaces the server {form.name}.</p>}
      </TextField>
      <TextField
        id="mcp-url"
        label="URL (Streamable HTTP)"
        {...field("url")}
        placeholder="https://mcp.example.com/mcp"
        autoComplete="off"
      />
      <TextField
        id="mcp-headers"
        label="Headers"
        rows={3}
        spellCheck={false}
        {...field("headers")}
        invalid={!headers.ok}
        placeholder={"authorization: Bearer {{ secrets.GITHUB_TOKEN }}"}
        help={
          <>
            One <code>name: value</code> a line. Write a credential as a secret reference,{" "}
            <code>{"{{ secrets.NAME }}"}</code> (<Link to={{ page: "secrets" }}>Secrets</Link>): it
            is resolved only when an agent connects, and sent only to the secret's allowed hosts.
          </>
        }
        problems={headers.ok ? [] : headers.problems}
      />
      <TextField
        id="mcp-tools"
        label="Allowed tools"
        {...field("tools")}
        placeholder="search_issues, create_issue"
        help="Comma-separated. Empty: every tool the server lists. Agents are never offered any other."
      />
      <TextField
        id="mcp-effects"
        label="Tools with effects"
        {...field("effects")}
        placeholder="create_issue"
        help="Those that change something (create, send, delete): an agent that may call one always runs, its answer is never reused from the semantic cache."
      />
      <Problems error={error} />
      <button
        type="submit"
        className="primary"
        disabled={busy || !nameOk || form.url === "" || !headers.ok}
      >
        {replaces ? "Replace server" : "Register server"}
      </button>
    </form>
  );
}

/** Asks before deleting a server, and says what deleting does. */
function DeleteServerDialog({ name, onClose }: { name: string; onClose(deleted: boolean): void }) {
  const { client } = useSession();
  return (
    <ConfirmDialog
      title={`Delete ${name}?`}
      keep={`Keep ${name}`}
      confirm="Delete server"
      onClose={() => onClose(false)}
      onConfirm={async () => {
        await callNoContent(client.api["mcp-servers"][":name"].$delete({ param: { name } }));
        onClose(true);
      }}
    >
      <p>
        Agents that name it in <code>mcp</code> fail when they start, until a server of this name is
        registered again.
      </p>
    </ConfirmDialog>
  );
}

/**
 * The tenant's MCP servers (docs/AGENTS.md): where each is, the headers it gets (secret
 * references, never values), which tools agents may use and which have effects. Keys with
 * `edit` register, replace and delete them.
 */
export function McpServersPage() {
  const { client, who } = useSession();
  const editor = allows(who.scopes, "edit");
  const servers = useAsync(
    async () => (await call(client.api["mcp-servers"].$get())).servers,
    [client],
  );
  const form = useDraft(EMPTY);
  const [deleting, setDeleting] = useState<string | null>(null);
  const list = servers.data ?? [];
  return (
    <div className="page">
      <PageHead title="MCP servers" onRefresh={servers.reload} />
      <p className="help page-help">
        Agents use the tools of these servers (the Model Context Protocol over Streamable HTTP): an
        agent node lists the servers, and optionally the tools, it may use in its{" "}
        <strong>Tools</strong> section. Every request goes through the SSRF guard. See{" "}
        <code>docs/AGENTS.md</code> and the <Link to={{ page: "reference" }}>API reference</Link>.
      </p>
      <ResourceTable
        list={servers}
        what="MCP servers"
        failed="Cannot list MCP servers"
        empty={{
          title: "No MCP servers yet",
          children: "Agents have their built-in tools and the custom http tools of their node.",
        }}
        className="mcp-servers"
        columns={["Name", "URL", "Headers", "Allowed tools", "Effects", "Updated"]}
        actions={editor}
        row={(s) => (
          <tr key={s.name} data-server={s.name}>
            <td>
              <code>{s.name}</code>
            </td>
            <td>
              <code>{s.url}</code>
            </td>
            <td>
              {Object.keys(s.headers).length === 0 ? (
                <span className="muted">none</span>
              ) : (
                <code className="mcp-headers">{headersText(s.headers)}</code>
              )}
            </td>
            <td>{s.allowedTools ? s.allowedTools.join(", ") : "every tool it lists"}</td>
            <td>{s.effects.join(", ") || <span className="muted">none</span>}</td>
            <td>{formatTime(s.updatedAt)}</td>
            {editor && (
              <ReplaceOrDelete
                onReplace={() => form.pick(draftOf(s))}
                onDelete={() => setDeleting(s.name)}
              />
            )}
          </tr>
        )}
      />
      {editor ? (
        <ServerForm
          key={form.key}
          draft={form.draft}
          taken={list.map((s) => s.name)}
          onSaved={() => {
            form.reset();
            servers.reload();
          }}
        />
      ) : (
        <p className="muted">Registering and deleting servers needs a key with the edit scope.</p>
      )}
      {deleting && (
        <DeleteServerDialog
          name={deleting}
          onClose={(deleted) => {
            setDeleting(null);
            if (deleted) servers.reload();
          }}
        />
      )}
    </div>
  );
}
