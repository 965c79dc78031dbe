import { useState } from "react";
import { call } from "../api/client";
import { useSession } from "../api/session";
import { ConfirmDialog } from "../ui/ConfirmDialog";

/**
 * Deleting all of the tenant's data (docs/LIFECYCLE.md), behind a dialog that asks for the
 * tenant's id to be typed. On success every key and session of the tenant ends, this one too,
 * so the app signs out.
 */
export function DeleteTenantSection() {
  const { client, who, signOut } = useSession();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  return (
    <section className="danger-zone" aria-label="Delete all data">
      <h2>Delete all data</h2>
      <p className="muted">
        Every run, workflow, secret and API key of tenant <code>{who.tenantId}</code>. Runs that
        have not ended must be cancelled first.
      </p>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Delete all of this tenant's data…
      </button>
      {open && (
        <ConfirmDialog
          title="Delete all of this tenant's data?"
          keep="Keep everything"
          confirm="Delete everything"
          failure="Not deleted"
          ready={typed === who.tenantId}
          onClose={() => setOpen(false)}
          onConfirm={async () => {
            await call(client.api.tenant.$delete({ json: { confirm: typed } }));
            signOut();
          }}
        >
          <p>
            Its keys stop working at once (yours too) and its runs, workflows, secrets and keys are
            deleted within minutes. This cannot be undone.
          </p>
          <label>
            Type the tenant's id, <code>{who.tenantId}</code>, to confirm
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          </label>
        </ConfirmDialog>
      )}
    </section>
  );
}
