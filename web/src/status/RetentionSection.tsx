import { useEffect, useState } from "react";
import { formatBytes } from "../../../core/limits/output";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { formatTime } from "../ui/format";
import { ErrorNote } from "../ui/notes";
import { useAsync } from "../ui/use-async";

type Field = "days" | "failedDays" | "keepLast";
const FIELDS: { key: Field; label: string; hint: string }[] = [
  { key: "days", label: "Keep finished runs (days)", hint: "blank: no age limit" },
  { key: "failedDays", label: "Keep failed runs (days)", hint: "blank: as finished runs" },
  { key: "keepLast", label: "Keep the newest runs per workflow", hint: "blank: no count limit" },
];

/**
 * The tenant's retention policy and what the latest sweep deleted (docs/LIFECYCLE.md), with a
 * form to change the policy (admin keys). Blank fields do not limit.
 */
export function RetentionSection() {
  const { client } = useSession();
  const retention = useAsync(() => call(client.api.retention.$get()), [client]);
  const usage = useAsync(() => call(client.api.usage.$get()), [client]);
  const [draft, setDraft] = useState<Record<Field, string>>({
    days: "",
    failedDays: "",
    keepLast: "",
  });
  const [saving, setSaving] = useState<{ busy: boolean; error: string | null; saved: boolean }>({
    busy: false,
    error: null,
    saved: false,
  });
  const policy = retention.data?.policy;
  useEffect(() => {
    if (!policy) return;
    const text = (n: number | null) => (n === null ? "" : String(n));
    setDraft({
      days: text(policy.days),
      failedDays: text(policy.failedDays),
      keepLast: text(policy.keepLast),
    });
  }, [policy]);

  const save = async () => {
    setSaving({ busy: true, error: null, saved: false });
    const json = Object.fromEntries(
      FIELDS.map(({ key }) => [key, draft[key].trim() === "" ? null : Number(draft[key])]),
    ) as Record<Field, number | null>;
    try {
      await call(client.api.retention.$put({ json }));
      setSaving({ busy: false, error: null, saved: true });
      retention.reload();
      usage.reload();
    } catch (err) {
      setSaving({ busy: false, error: describeError(err), saved: false });
    }
  };

  const sweep = retention.data?.lastSweep;
  return (
    <section className="retention" aria-label="Data retention">
      <h2>Data retention</h2>
      {retention.error && <ErrorNote title="Cannot read retention">{retention.error}</ErrorNote>}
      {policy && (
        <p className="muted" data-testid="retention-source">
          {policy.source === "default"
            ? "aob's default: finished runs are kept 30 days."
            : `Set ${formatTime(policy.updatedAt)}.`}{" "}
          Held runs are never deleted; a workflow may have its own policy (
          <code>aob retention set --workflow</code>).
        </p>
      )}
      <form
        className="retention-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {FIELDS.map(({ key, label, hint }) => (
          <label key={key}>
            {label}
            <input
              type="number"
              min={1}
              value={draft[key]}
              placeholder={hint}
              onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
            />
          </label>
        ))}
        <button type="submit" className="primary" disabled={saving.busy}>
          Save policy
        </button>
        {saving.saved && <span role="status">Saved.</span>}
      </form>
      {saving.error && (
        <div className="banner banner-error" role="alert">
          Not saved: {saving.error}
        </div>
      )}
      {usage.data && (
        <p data-testid="usage">
          Stored now: {usage.data.runs} runs ({usage.data.heldRuns} held), {usage.data.events}{" "}
          events, {usage.data.executions} node executions, {usage.data.blobs} blobs (
          {formatBytes(usage.data.blobBytes)}).
        </p>
      )}
      <p data-testid="last-sweep">
        {sweep
          ? `Last sweep ${formatTime(sweep.startedAt)}: ${sweep.runsDeleted} runs, ${sweep.rowsDeleted} rows and ${sweep.blobsDeleted} stored objects (${formatBytes(sweep.bytesFreed)}) deleted${sweep.more ? ", more to go" : ""}${sweep.error ? `; it stopped: ${sweep.error}` : ""}.`
          : "No sweep has run yet: the scheduled handler sweeps every minute."}
      </p>
    </section>
  );
}
