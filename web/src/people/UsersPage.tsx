import { type FormEvent, Fragment, useState } from "react";
import { allows, ROLE_SCOPES, ROLES, type Role } from "../../../core/people/roles";
import { call, callNoContent } from "../api/client";
import { useSession } from "../api/session";
import type { User } from "../api/types";
import { CheckboxGroup } from "../ui/CheckboxGroup";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { formatTime } from "../ui/format";
import { Problems } from "../ui/notes";
import { PageHead } from "../ui/PageHead";
import { ResourceTable } from "../ui/ResourceTable";
import { TextField } from "../ui/TextField";
import { useAction } from "../ui/use-action";
import { UserKeys } from "./UserKeys";
import { useUsers } from "./use-users";
import "./people.css";

/** What a role grants, after its checkbox. */
const grants = (role: Role) => ROLE_SCOPES[role].join(", ");

/** Adds a user: a name, an optional email (how approvals may name them) and roles. */
function AddUserForm({ onAdded }: { onAdded(user: User): void }) {
  const { client } = useSession();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [roles, setRoles] = useState<Role[]>([]);
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const json = {
        name: name.trim(),
        roles,
        ...(email.trim() === "" ? {} : { email: email.trim() }),
      };
      const user = await call(client.api.users.$post({ json }));
      setName("");
      setEmail("");
      setRoles([]);
      onAdded(user);
    });
  }

  return (
    <form className="form-card" onSubmit={submit} aria-label="Add a user">
      <h2>Add a user</h2>
      <TextField id="user-name" label="Name" value={name} onChange={setName} autoComplete="off" />
      <TextField
        id="user-email"
        label="Email"
        type="email"
        value={email}
        onChange={setEmail}
        autoComplete="off"
        help="Optional. An approval node may name its approvers by email."
      />
      <CheckboxGroup
        legend="Roles"
        options={ROLES}
        value={roles}
        onChange={setRoles}
        idPrefix="user-role"
        hint={grants}
      />
      <Problems error={error} />
      <button
        type="submit"
        className="primary"
        disabled={busy || name.trim() === "" || roles.length === 0}
      >
        Add user
      </button>
    </form>
  );
}

/** Changes a user's roles in place: every key and session of theirs follows at once. */
function RolesEditor({ user, onDone }: { user: User; onDone(changed: boolean): void }) {
  const { client } = useSession();
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const { busy, error, run } = useAction();
  async function save() {
    await run(async () => {
      await call(client.api.users[":id"].$patch({ param: { id: user.id }, json: { roles } }));
      onDone(true);
    });
  }
  return (
    <div className="roles-editor">
      <CheckboxGroup
        legend={`Roles of ${user.name}`}
        options={ROLES}
        value={roles}
        onChange={setRoles}
        idPrefix={`roles-${user.id}`}
      />
      <Problems error={error} />
      <div className="actions">
        <button
          type="button"
          className="primary small"
          disabled={busy || roles.length === 0}
          onClick={() => void save()}
        >
          Save roles
        </button>
        <button type="button" className="small" disabled={busy} onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** Asks before deleting a user, and says what deleting does. */
function DeleteUserDialog({ user, onClose }: { user: User; onClose(deleted: boolean): void }) {
  const { client } = useSession();
  return (
    <ConfirmDialog
      title={`Delete ${user.name}?`}
      keep={`Keep ${user.name}`}
      confirm="Delete user"
      onClose={() => onClose(false)}
      onConfirm={async () => {
        await callNoContent(client.api.users[":id"].$delete({ param: { id: user.id } }));
        onClose(true);
      }}
    >
      <p>
        Their keys are revoked and their sessions and open run views end at once. They stay listed
        as deleted; their votes and audit entries keep their name.
      </p>
    </ConfirmDialog>
  );
}

/**
 * The tenant's people: each user's email, roles, when they were added (and deleted). Admins add
 * users, change their roles, delete them, and list, revoke and make their keys.
 */
export function UsersPage() {
  const { who } = useSession();
  const admin = allows(who.scopes, "admin");
  const users = useUsers();
  const [editing, setEditing] = useState<string | null>(null);
  const [keysOf, setKeysOf] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const columns = admin ? 6 : 5;
  return (
    <div className="page">
      <PageHead title="Users" onRefresh={users.reload} />
      <ResourceTable
        list={users}
        what="users"
        failed="Cannot list users"
        empty={{ title: "No users yet" }}
        className="users"
        columns={["Name", "Email", "Roles", "Added", "Deleted"]}
        actions={admin}
        row={(u) => (
          <Fragment key={u.id}>
            <tr data-user={u.id} className={u.deletedAt === null ? undefined : "user-deleted"}>
              <td>
                {u.name}
                {u.id === who.user.id && <span className="muted"> (you)</span>}
                <br />
                <code className="muted">{u.id}</code>
              </td>
              <td>{u.email ?? <span className="muted">–</span>}</td>
              <td data-testid={`roles-${u.id}`}>
                {editing === u.id ? (
                  <RolesEditor
                    user={u}
                    onDone={(changed) => {
                      setEditing(null);
                      if (changed) users.reload();
                    }}
                  />
                ) : (
                  u.roles.join(", ")
                )}
              </td>
              <td>{formatTime(u.createdAt)}</td>
              <td>{u.deletedAt === null ? "" : formatTime(u.deletedAt)}</td>
              {admin && (
                <td className="row-actions">
                  {u.deletedAt === null && editing !== u.id && (
                    <button type="button" className="small" onClick={() => setEditing(u.id)}>
                      Change roles
                    </button>
                  )}{" "}
                  <button
                    type="button"
                    className="small"
                    aria-expanded={keysOf === u.id}
                    onClick={() => setKeysOf(keysOf === u.id ? null : u.id)}
                  >
                    Keys
                  </button>{" "}
                  {u.deletedAt === null && (
                    <button type="button" className="small danger" onClick={() => setDeleting(u)}>
                      Delete
                    </button>
                  )}
                </td>
              )}
            </tr>
            {admin && keysOf === u.id && (
              <tr className="keys-row">
                <td colSpan={columns}>
                  <UserKeys user={u} />
                </td>
              </tr>
            )}
          </Fragment>
        )}
      />
      {admin ? (
        <AddUserForm
          onAdded={(user) => {
            users.reload();
            setKeysOf(user.id);
          }}
        />
      ) : (
        <p className="muted">Adding users, changing their roles and making keys is for admins.</p>
      )}
      {deleting && (
        <DeleteUserDialog
          user={deleting}
          onClose={(deleted) => {
            setDeleting(null);
            if (deleted) users.reload();
          }}
        />
      )}
    </div>
  );
}
