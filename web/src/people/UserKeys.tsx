import { type FormEvent, useState } from "react";
import { SCOPES, type Scope, scopesOfRoles } from "../../../core/people/roles";
import { everyPage } from "../../../core/wire/cursor";
import { call, callNoContent } from "../api/client";
import { useSession } from "../api/session";
import type { User } from "../api/types";
import { CheckboxGroup } from "../ui/CheckboxGroup";
import { ConfirmButton } from "../ui/ConfirmButton";
import { formatTime } from "../ui/format";
import { Problems } from "../ui/notes";
import { ResourceTable } from "../ui/ResourceTable";
import { TextField } from "../ui/TextField";
import { useAction } from "../ui/use-action";
import { useAsync } from "../ui/use-async";

/** A key just made: its secret, shown this once, with a copy button. */
function ShownOnce({ name, secret, onDone }: { name: string; secret: string; onDone(): void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="note note-warn shown-once" role="status" aria-label="New key">
      <p>
        <strong>Key {name}, shown this once.</strong> Copy it now: only its hash is stored, so it
        cannot be shown again. Whoever holds it acts as this user.
      </p>
      <p>
        <code data-testid="new-key">{secret}</code>{" "}
        <button
          type="button"
          className="small"
          onClick={() =>
            void navigator.clipboard?.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </p>
      <button type="button" className="small" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}

/** Makes a key for the user: a name and scopes (at most what the user's roles grant). */
function MakeKeyForm({ user, onMade }: { user: User; onMade(): void }) {
  const { client } = useSession();
  const granted = scopesOfRoles(user.roles);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(granted);
  const { busy, error, run } = useAction();
  const [made, setMade] = useState<{ name: string; key: string } | null>(null);
  const prefix = `key-${user.id}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const body = await call(
        client.api.users[":id"].keys.$post({
          param: { id: user.id },
          json: { name: name.trim(), scopes },
        }),
      );
      setMade({ name: body.name, key: body.key });
      setName("");
      onMade();
    });
  }

  if (made) return <ShownOnce name={made.name} secret={made.key} onDone={() => setMade(null)} />;
  return (
    <form className="form-card" onSubmit={submit} aria-label={`Make a key for ${user.name}`}>
      <h3>Make a key</h3>
      <TextField
        id={`${prefix}-name`}
        label="Key name"
        value={name}
        onChange={setName}
        placeholder="laptop, ci…"
        autoComplete="off"
      />
      <CheckboxGroup
        legend="Scopes"
        options={SCOPES}
        value={scopes}
        onChange={setScopes}
        idPrefix={`${prefix}-scope`}
        hint={(s) => (granted.includes(s) ? undefined : "not granted by their roles")}
      />
      <Problems error={error} />
      <button
        type="submit"
        className="primary"
        disabled={busy || name.trim() === "" || scopes.length === 0}
      >
        Make key
      </button>
    </form>
  );
}

/** A user's keys (never their secrets): revoke one, or make a new one. */
export function UserKeys({ user }: { user: User }) {
  const { client } = useSession();
  const keys = useAsync(
    async () =>
      everyPage(async (cursor) => {
        const query = { limit: "500", ...(cursor ? { cursor } : {}) };
        const page = await call(
          client.api.users[":id"].keys.$get({ param: { id: user.id }, query }),
        );
        return { items: page.keys, nextCursor: page.nextCursor };
      }),
    [client, user.id],
  );
  return (
    <section className="user-keys" aria-label={`Keys of ${user.name}`}>
      <h3>Keys of {user.name}</h3>
      <ResourceTable
        list={keys}
        what="keys"
        failed="Cannot list the keys"
        empty={{ title: "No keys", children: <>Make one below to let {user.name} sign in.</> }}
        columns={["Name", "Scopes", "Created"]}
        actions
        row={(k) => (
          <tr key={k.id} data-key={k.id}>
            <td>
              {k.name} <code className="muted">{k.id}</code>
            </td>
            <td>{k.scopes.join(", ")}</td>
            <td>{formatTime(k.createdAt)}</td>
            <td className="row-actions">
              {k.revokedAt === null ? (
                user.deletedAt === null && (
                  <ConfirmButton
                    label="Revoke"
                    confirm={`Revoke ${k.name}`}
                    onConfirm={async () => {
                      await callNoContent(client.api.keys[":id"].$delete({ param: { id: k.id } }));
                      keys.reload();
                    }}
                  />
                )
              ) : (
                <span className="muted">revoked {formatTime(k.revokedAt)}</span>
              )}
            </td>
          </tr>
        )}
      />
      {user.deletedAt === null && <MakeKeyForm user={user} onMade={keys.reload} />}
    </section>
  );
}
