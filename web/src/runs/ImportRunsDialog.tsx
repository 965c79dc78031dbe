import { useState } from "react";
import { readErrorEnvelope } from "../../../core/wire/error-envelope";
import { ARCHIVE_MEDIA_TYPE } from "../../../core/wire/run-archive";
import { Dialog } from "../ui/Dialog";
import { DoneDialog } from "../ui/DoneDialog";
import { Link } from "../ui/Link";

type Imported = { sourceRunId: string; runId: string }[];

/**
 * Imports an archive (`POST /api/runs/import`, docs/LIFECYCLE.md "Export and import") as
 * read-only archived runs. The file is sent as it is, streamed by the browser; a refusal shows
 * the line and what is wrong, and nothing was kept.
 */
export function ImportRunsDialog({ onImported, onClose }: { onImported(): void; onClose(): void }) {
  const [file, setFile] = useState<File | null>(null);
  const [state, setState] = useState<{ busy: boolean; error: string | null; done?: Imported }>({
    busy: false,
    error: null,
  });
  const upload = async () => {
    if (!file) return;
    setState({ busy: true, error: null });
    try {
      // The body is the file's bytes, not JSON: the typed client is for JSON bodies.
      const res = await fetch("/api/runs/import", {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-aob-csrf": "1", "content-type": ARCHIVE_MEDIA_TYPE },
        body: file,
      });
      const text = await res.text();
      if (!res.ok) {
        setState({ busy: false, error: readErrorEnvelope(res.status, text).message });
        return;
      }
      setState({ busy: false, error: null, done: (JSON.parse(text) as { runs: Imported }).runs });
      onImported();
    } catch (err) {
      setState({ busy: false, error: err instanceof Error ? err.message : String(err) });
    }
  };
  if (state.done) {
    const runs = state.done;
    return (
      <DoneDialog
        title="Archive imported"
        status={
          <>
            Imported {runs.length === 1 ? "1 run" : `${runs.length} runs`} as archived runs
            (read-only):
          </>
        }
        action="Done"
        onClose={onClose}
      >
        <ul>
          {runs.map((r) => (
            <li key={r.runId}>
              <Link to={{ page: "run", runId: r.runId }}>
                <code>{r.runId}</code>
              </Link>{" "}
              <span className="muted">from {r.sourceRunId}</span>
            </li>
          ))}
        </ul>
      </DoneDialog>
    );
  }
  return (
    <Dialog title="Import runs" onClose={onClose}>
      <p>
        An archive exported from a run or a run list (<code>.aob.ndjson</code>), from this aob or
        another. Its runs become archived runs here: read-only, kept until deleted. A damaged
        archive is refused whole.
      </p>
      <label htmlFor="import-file">Archive</label>
      <input
        id="import-file"
        type="file"
        accept=".ndjson,application/x-ndjson"
        onChange={(e) => setFile(e.target.files?.[0] ?? null)}
      />
      {state.error && (
        <div className="banner banner-error" role="alert">
          Not imported: {state.error}
        </div>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose} disabled={state.busy}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => void upload()}
          disabled={!file || state.busy}
        >
          {state.busy ? "Importing…" : "Import"}
        </button>
      </div>
    </Dialog>
  );
}
