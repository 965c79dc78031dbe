import { type FormEvent, useState } from "react";
import { allows } from "../../../core/people/roles";
import { ApiFailure, call, callNoContent } from "../api/client";
import { useSession } from "../api/session";
import { formatTime } from "../ui/format";
import { ErrorNote, Problems } from "../ui/notes";
import { TextField } from "../ui/TextField";
import { useAction } from "../ui/use-action";
import { useAsync } from "../ui/use-async";
import { headerLines } from "./header-lines";

/**
 * Where the tenant's run traces go (docs/OBSERVABILITY.md, "Traces (OpenTelemetry)"): the OTLP
 * endpoint's host and header names as set (never the URL or a header's value), and for keys
 * with `edit` a form that sets or replaces them, and a button that stops the export.
 */
export function TelemetrySection() {
  const { client, who } = useSession();
  const editor = allows(who.scopes, "edit");
  const current = useAsync(async () => {
    try {
      return await call(client.api.telemetry.otlp.$get());
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 404) return null;
      throw err;
    }
  }, [client]);
  const [endpoint, setEndpoint] = useState("");
  const [headers, setHeaders] = useState("");
  const [enabled, setEnabled] = useState(true);
  const { busy, error, run } = useAction();
  const parsed = headerLines(headers);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (endpoint === "" || parsed.problems.length > 0) return;
    await run(async () => {
      await call(
        client.api.telemetry.otlp.$put({ json: { endpoint, headers: parsed.headers, enabled } }),
      );
      setEndpoint("");
      setHeaders("");
      current.reload();
    });
  }

  async function stop() {
    await run(async () => {
      await callNoContent(client.api.telemetry.otlp.$delete());
      current.reload();
    });
  }

  const set = current.data;
  return (
    <section className="telemetry" aria-labelledby="telemetry-title">
      <h2 id="telemetry-title">Run traces (OpenTelemetry)</h2>
      <p className="help page-help">
        Every run that ends is sent as one trace to an OTLP/HTTP collector (Jaeger, Tempo,
        Honeycomb, the OpenTelemetry Collector…): a span for the run and one per node attempt, a
        sub-workflow's run under its node. Spans carry ids, kinds, attempts, statuses, tokens and
        costs, never a node's config, input or output. Each run's events say whether its trace was
        sent.
      </p>
      {current.error && <ErrorNote title="Cannot read the setting">{current.error}</ErrorNote>}
      {current.state !== "loading" && !current.error && (
        <p data-testid="telemetry-state">
          {set ? (
            <>
              Traces {set.enabled ? "go" : "would go (turned off)"} to <code>{set.host}</code>
              {set.headerNames.length > 0 && " with "}
              {set.headerNames.map((h, i) => (
                <span key={h}>
                  {i > 0 && ", "}
                  <code>{h}</code>
                </span>
              ))}
              , set {formatTime(set.updatedAt)}.
            </>
          ) : (
            "No endpoint is set: traces are not sent (each run's is still at GET /api/runs/{id}/trace)."
          )}
        </p>
      )}
      {editor ? (
        <form className="form-card" onSubmit={save} aria-label="Set the OTLP endpoint">
          <h3>{set ? "Replace the endpoint" : "Send traces"}</h3>
          <TextField
            id="otlp-endpoint"
            label="OTLP/HTTP traces URL"
            type="password"
            value={endpoint}
            onChange={setEndpoint}
            autoComplete="new-password"
            placeholder="https://otel.example.com:4318/v1/traces"
            help="Used as it is; stored sealed and never shown again (the page shows its host)."
          />
          <TextField
            id="otlp-headers"
            label={'Headers, one "name: value" a line'}
            rows={3}
            value={headers}
            onChange={setHeaders}
            placeholder={"x-api-key: {{ secrets.OTEL_KEY }}"}
            invalid={parsed.problems.length > 0}
            problems={parsed.problems}
            help={
              <>
                A value may name a secret, <code>{"{{ secrets.NAME }}"}</code>: it is read at each
                export. Headers are sealed too.
              </>
            }
          />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={enabled}
              onChange={(e) => setEnabled(e.target.checked)}
            />{" "}
            Send traces (off keeps the setting)
          </label>
          <Problems error={error} />
          <div className="row-actions">
            <button
              type="submit"
              className="primary"
              disabled={busy || endpoint === "" || parsed.problems.length > 0}
            >
              {set ? "Replace endpoint" : "Set endpoint"}
            </button>{" "}
            {set && (
              <button type="button" className="danger" disabled={busy} onClick={stop}>
                Stop sending traces
              </button>
            )}
          </div>
        </form>
      ) : (
        <p className="muted">Setting the endpoint needs a key with the edit scope.</p>
      )}
    </section>
  );
}
