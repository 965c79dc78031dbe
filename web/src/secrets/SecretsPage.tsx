import { type FormEvent, useState } from "react";
import { everyPage } from "../../../core/wire/cursor";
import { call } from "../api/client";
import { useSession } from "../api/session";
import { ConfirmButton } from "../ui/ConfirmButton";
import { formatTime } from "../ui/format";
import { Problems } from "../ui/notes";
import { PageHead } from "../ui/PageHead";
import { ResourceTable } from "../ui/ResourceTable";
import { TextField } from "../ui/TextField";
import { useAction } from "../ui/use-action";
import { useAsync } from "../ui/use-async";
import { checkHostsText, hostsText, UNBOUND_TEXT } from "./hosts-text";
import "./secrets.css";

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The problems the shared schema finds in the hosts field, before anything is sent. */
function HostProblems({ problems }: { problems: { entry: string; message: string }[] }) {
  return (
    <ul className="field-error host-problems">
      {problems.map((p) => (
        <li key={`${p.entry}:${p.message}`}>{p.message}</li>
      ))}
    </ul>
  );
}

/** Sets a secret's value, and its hosts when the field is filled. */
function SetSecretForm({ onSaved }: { onSaved(): void }) {
  const { client } = useSession();
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [hosts, setHosts] = useState("");
  const { busy, error, run } = useAction();
  const check = hosts.trim() === "" ? null : checkHostsText(hosts);
  const nameOk = NAME.test(name);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!nameOk || value === "" || (check && !check.ok)) return;
    await run(async () => {
      const json = check?.ok ? { value, allowedHosts: check.hosts } : { value };
      await call(client.api.secrets[":name"].$put({ param: { name }, json }));
      setName("");
      setValue("");
      setHosts("");
      onSaved();
    });
  }

  return (
    <form className="form-card" onSubmit={submit} aria-label="Set a secret">
      <h2>Set a secret</h2>
      <TextField
        id="secret-name"
        label="Name"
        value={name}
        onChange={setName}
        invalid={name !== "" && !nameOk}
        placeholder="STRIPE_KEY"
        autoComplete="off"
        problems={
          name !== "" && !nameOk ? ["Letters, digits and _, not starting with a digit."] : []
        }
      />
      <TextField
        id="secret-value"
        label="Value"
        type="password"
        value={value}
        onChange={setValue}
        autoComplete="new-password"
        help={
          <>Stored encrypted; never shown again. Node config uses it as {"{{ secrets.NAME }}"}.</>
        }
      />
      <TextField
        id="secret-hosts"
        label="Allowed hosts"
        rows={3}
        value={hosts}
        onChange={setHosts}
        invalid={check !== null && !check.ok}
        placeholder={"api.stripe.com\n*.stripe.com"}
        help={
          <>
            One per line. <code>*.example.com</code> covers names under example.com, not example.com
            itself. Empty keeps an existing secret's hosts; a new secret without hosts is unbound
            and may be sent to any host.
          </>
        }
      >
        {check && !check.ok && <HostProblems problems={check.problems} />}
      </TextField>
      <Problems error={error} />
      <button
        type="submit"
        className="primary"
        disabled={busy || !nameOk || value === "" || (check !== null && !check.ok)}
      >
        Save secret
      </button>
    </form>
  );
}

/** Edits one secret's hosts in place (PATCH): the value stays. */
function HostsEditor({
  name,
  allowedHosts,
  onDone,
}: {
  name: string;
  allowedHosts: string[] | null;
  onDone(changed: boolean): void;
}) {
  const { client } = useSession();
  const [text, setText] = useState(hostsText(allowedHosts));
  const { busy, error, run } = useAction();
  const check = text.trim() === "" ? null : checkHostsText(text);

  async function save(hosts: string[] | null) {
    await run(async () => {
      await call(
        client.api.secrets[":name"].$patch({ param: { name }, json: { allowedHosts: hosts } }),
      );
      onDone(true);
    });
  }

  return (
    <div className="hosts-editor">
      <label htmlFor={`hosts-${name}`} className="sr-only">
        Allowed hosts of {name}
      </label>
      <textarea
        id={`hosts-${name}`}
        rows={3}
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-invalid={check !== null && !check.ok}
        placeholder={"api.example.com\n*.example.com"}
      />
      {check && !check.ok && <HostProblems problems={check.problems} />}
      <Problems error={error} />
      <div className="actions">
        <button
          type="button"
          className="primary small"
          disabled={busy || check === null || !check.ok}
          onClick={() => check?.ok && save(check.hosts)}
        >
          Save hosts
        </button>
        {allowedHosts !== null && (
          <button type="button" className="small" disabled={busy} onClick={() => save(null)}>
            Unbind
          </button>
        )}
        <button type="button" className="small" disabled={busy} onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** The tenant's secrets: names and hosts (never values), set, bind to hosts, delete. */
export function SecretsPage() {
  const { client } = useSession();
  const secrets = useAsync(
    async () =>
      everyPage(async (cursor) => {
        const page = await call(client.api.secrets.$get({ query: cursor ? { cursor } : {} }));
        return { items: page.secrets, nextCursor: page.nextCursor };
      }),
    [client],
  );
  const [editing, setEditing] = useState<string | null>(null);
  const unbound = (secrets.data ?? []).filter((s) => !s.bound).length;
  return (
    <div className="page">
      <PageHead title="Secrets" onRefresh={secrets.reload} />
      {unbound > 0 && (
        <div className="note note-warn" role="status">
          {unbound === 1 ? "1 secret is" : `${unbound} secrets are`} unbound: a workflow may send{" "}
          {unbound === 1 ? "it" : "them"} to any host. Bind each to the hosts it is meant for.
        </div>
      )}
      <ResourceTable
        list={secrets}
        what="secrets"
        failed="Cannot list secrets"
        hint="managing secrets needs a key with the admin scope"
        empty={{
          title: "No secrets yet",
          children: (
            <>
              Set one below, then refer to it in an HTTP node as <code>{"{{ secrets.NAME }}"}</code>
              .
            </>
          ),
        }}
        className="secrets"
        columns={["Name", "Allowed hosts", "Updated"]}
        actions
        row={(s) => (
          <tr key={s.name} data-secret={s.name}>
            <td>
              <code>{s.name}</code>
            </td>
            <td data-testid={`hosts-${s.name}`}>
              {editing === s.name ? (
                <HostsEditor
                  name={s.name}
                  allowedHosts={s.allowedHosts}
                  onDone={(changed) => {
                    setEditing(null);
                    if (changed) secrets.reload();
                  }}
                />
              ) : s.allowedHosts === null ? (
                <span className="warn-text unbound">⚠ {UNBOUND_TEXT}</span>
              ) : (
                <ul className="host-list">
                  {s.allowedHosts.map((h) => (
                    <li key={h}>
                      <code>{h}</code>
                    </li>
                  ))}
                </ul>
              )}
            </td>
            <td>{formatTime(s.updatedAt)}</td>
            <td className="row-actions">
              {editing !== s.name && (
                <button type="button" className="small" onClick={() => setEditing(s.name)}>
                  {s.bound ? "Edit hosts" : "Bind to hosts"}
                </button>
              )}{" "}
              <ConfirmButton
                label="Delete"
                confirm={`Delete ${s.name}`}
                onConfirm={async () => {
                  await call(client.api.secrets[":name"].$delete({ param: { name: s.name } }));
                  secrets.reload();
                }}
              />
            </td>
          </tr>
        )}
      />
      <SetSecretForm onSaved={secrets.reload} />
    </div>
  );
}
