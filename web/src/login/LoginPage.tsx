import { useState } from "react";
import { ApiFailure, type Client, call, describeError } from "../api/client";
import type { SignedIn } from "../api/session";
import { Link } from "../ui/Link";
import "./login.css";

/**
 * Asks for an API key and trades it for a session cookie (`POST /api/sessions`). The key lives
 * only in this form's state until the answer: it is never stored in the browser, and the
 * httpOnly cookie is out of the page's reach.
 */
export function LoginPage({
  client,
  onSignedIn,
  notice,
}: {
  client: Client;
  onSignedIn(who: SignedIn): void;
  notice: string | null;
}) {
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    const trimmed = key.trim();
    setBusy(true);
    setError(null);
    try {
      const who = await call(client.api.sessions.$post({ json: { key: trimmed } }));
      setKey("");
      onSignedIn(who);
    } catch (err) {
      setError(
        err instanceof ApiFailure && err.status === 401
          ? "The API refused this key: it is unknown or revoked. Check for a typo, or create a new key."
          : `Cannot check the key: ${describeError(err)}`,
      );
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <form
        className="login-card"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h1>aob</h1>
        <p>Durable workflows with agents and approvals. Sign in with an API key.</p>
        {notice && (
          <p className="note note-warn" role="status">
            {notice}
          </p>
        )}
        <div className="field">
          <label htmlFor="api-key">API key</label>
          <input
            id="api-key"
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            aria-invalid={error !== null}
            aria-describedby="api-key-help"
          />
          <p className="help" id="api-key-help">
            Running locally? <code>npm start</code> prints the key; it is <code>AOB_API_KEY</code>{" "}
            in <code>.dev.vars</code>. It is not stored in this browser: signing in gives a session
            that lasts 12 hours.
          </p>
        </div>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || key.trim() === ""}>
          {busy ? "Checking…" : "Sign in"}
        </button>
        <p className="help">
          Using the REST API? Read the <Link to={{ page: "reference" }}>API reference</Link>.
        </p>
      </form>
    </main>
  );
}
