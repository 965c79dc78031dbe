import { useState } from "react";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { Dialog } from "../ui/Dialog";

/**
 * Deleting all of the tenant's data (docs/LIFECYCLE.md), behind a dialog that asks for the
 * tenant's id to be typed. On success every key and session of the tenant ends, this one too,
 * so the app signs out.
 */
export function DeleteTenantSection() {
  const { client, who, signOut } = useSession();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({
    busy: false,
    error: null,
  });
  const confirm = async () => {
    setState({ busy: true, error: null });
    try {
      await call(client.api.tenant.$delete({ json: { confirm: typed } }));
      signOut();
    } catch (err) {
      setState({ busy: false, error: describeError(err) });
    }
  };
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
        <Dialog title="Delete all of this tenant's data?" onClose={() => setOpen(false)}>
          <p>
            Its keys stop working at once (yours too) and its runs, workflows, secrets and keys are
            deleted within minutes. This cannot be undone.
          </p>
          <label>
            Type the tenant's id, <code>{who.tenantId}</code>, to confirm
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          </label>
          {state.error && (
            <div className="banner banner-error" role="alert">
              Not deleted: {state.error}
            </div>
          )}
          <div className="dialog-actions">
            <button type="button" onClick={() => setOpen(false)} disabled={state.busy}>
              Keep everything
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => void confirm()}
              disabled={state.busy || typed !== who.tenantId}
            >
              Delete everything
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
