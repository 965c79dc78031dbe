import { useCallback, useEffect, useState } from "react";
import { type Client, call, describeError, type OkBody } from "../api/client";
import { useSession } from "../api/session";

type Triggers = OkBody<Awaited<ReturnType<Client["api"]["workflows"][":id"]["triggers"]["$get"]>>>;

interface Change {
  webhook?: boolean;
  rotateToken?: boolean;
  cron?: string | null;
  signature?: boolean;
  rotateSigningSecret?: boolean;
}

/**
 * A saved workflow's triggers: webhook on/off and its URL's rotation, signed deliveries and the
 * signing secret's rotation, the cron schedule. A URL or secret the server issues is shown once,
 * here, until the panel is left.
 */
export function TriggersSection({ workflowId }: { workflowId: string }) {
  const { client } = useSession();
  const [triggers, setTriggers] = useState<Triggers | null>(null);
  const [cron, setCron] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<{ webhookUrl?: string; signingSecret?: string }>({});

  useEffect(() => {
    let live = true;
    call(client.api.workflows[":id"].triggers.$get({ param: { id: workflowId } }))
      .then((t) => {
        if (!live) return;
        setTriggers(t);
        setCron(t.cron ?? "");
      })
      .catch((err: unknown) => live && setError(describeError(err)));
    return () => {
      live = false;
    };
  }, [client, workflowId]);

  const change = useCallback(
    async (json: Change) => {
      setBusy(true);
      setError(null);
      try {
        const t = await call(
          client.api.workflows[":id"].triggers.$put({ param: { id: workflowId }, json }),
        );
        setTriggers(t);
        setCron(t.cron ?? "");
        // Keep what was shown while it still works; a removed webhook or signing takes it away.
        setShown((prev) => {
          const webhookUrl = t.webhook ? (t.webhookUrl ?? prev.webhookUrl) : undefined;
          const signingSecret = t.signature ? (t.signingSecret ?? prev.signingSecret) : undefined;
          return {
            ...(webhookUrl ? { webhookUrl } : {}),
            ...(signingSecret ? { signingSecret } : {}),
          };
        });
      } catch (err) {
        setError(describeError(err));
      } finally {
        setBusy(false);
      }
    },
    [client, workflowId],
  );

  return (
    <section aria-label="Triggers">
      <h3>Triggers</h3>
      {error && <p className="field-error">{error}</p>}
      {!triggers && !error && <p className="muted">Loading…</p>}
      {triggers && (
        <>
          <div className="field">
            <label>
              <input
                type="checkbox"
                checked={triggers.webhook}
                disabled={busy}
                onChange={(e) => change({ webhook: e.target.checked })}
              />{" "}
              Webhook
            </label>
            {triggers.webhook && (
              <button type="button" disabled={busy} onClick={() => change({ rotateToken: true })}>
                New webhook URL
              </button>
            )}
          </div>
          {triggers.webhook && (
            <div className="field">
              <label>
                <input
                  type="checkbox"
                  checked={triggers.signature}
                  disabled={busy}
                  onChange={(e) => change({ signature: e.target.checked })}
                />{" "}
                Require signed deliveries (HMAC-SHA256)
              </label>
              {triggers.signature && (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => change({ rotateSigningSecret: true })}
                >
                  New signing secret
                </button>
              )}
            </div>
          )}
          {shown.webhookUrl && (
            <p className="shown-once">
              Webhook URL, shown once (it holds the secret token): <code>{shown.webhookUrl}</code>
            </p>
          )}
          {shown.signingSecret && (
            <p className="shown-once">
              Signing secret, shown once: <code>{shown.signingSecret}</code>. Send{" "}
              <code>X-Aob-Timestamp</code> (Unix seconds) and{" "}
              <code>X-Aob-Signature: sha256=&lt;hex HMAC of "timestamp.body"&gt;</code>.
            </p>
          )}
          <form
            className="field"
            onSubmit={(e) => {
              e.preventDefault();
              void change({ cron: cron.trim() === "" ? null : cron.trim() });
            }}
          >
            <label htmlFor="wf-cron">Schedule (cron, UTC)</label>
            <input
              id="wf-cron"
              value={cron}
              placeholder="*/15 * * * *"
              onChange={(e) => setCron(e.target.value)}
            />
            <button type="submit" disabled={busy || cron.trim() === (triggers.cron ?? "")}>
              {cron.trim() === "" ? "Remove schedule" : "Set schedule"}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
