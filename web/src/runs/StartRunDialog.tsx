import { useMemo, useState } from "react";
import { call } from "../api/client";
import { useSession } from "../api/session";
import { JsonField } from "../schema/fields";
import { asSchema, initialValue, isRecord } from "../schema/json-schema";
import { SchemaForm } from "../schema/SchemaForm";
import { Dialog } from "../ui/Dialog";
import { Problems } from "../ui/notes";
import { navigate } from "../use-route";

/**
 * Starts a run of a saved version with an input: a form when the start node declares an
 * `inputSchema` with fields, JSON otherwise (or on request).
 */
export function StartRunDialog({
  workflowId,
  version,
  inputSchema,
  onClose,
}: {
  workflowId: string;
  version: number | null;
  inputSchema: unknown;
  onClose(): void;
}) {
  const { client } = useSession();
  const schema = useMemo(() => asSchema(inputSchema), [inputSchema]);
  const hasForm = schema.type === "object" && Object.keys(schema.properties ?? {}).length > 0;
  const [asJson, setAsJson] = useState(!hasForm);
  const [input, setInput] = useState<unknown>(() => (hasForm ? initialValue(schema) : {}));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const json: { input?: unknown; version?: number } = { input: input ?? null };
      if (version !== null) json.version = version;
      const started = await call(
        client.api.workflows[":id"].runs.$post({ param: { id: workflowId }, json }),
      );
      navigate({ page: "run", runId: started.runId });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Start a run${version === null ? "" : ` of version ${version}`}`}
      onClose={onClose}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        {hasForm && (
          <div className="field field-inline">
            <input
              id="run-as-json"
              type="checkbox"
              checked={asJson}
              onChange={(e) => setAsJson(e.target.checked)}
            />
            <label htmlFor="run-as-json">Edit the input as JSON</label>
          </div>
        )}
        {hasForm && !asJson ? (
          <SchemaForm
            schema={schema}
            value={isRecord(input) ? input : {}}
            onChange={(name, v) => {
              const next = { ...(isRecord(input) ? input : {}) };
              if (v === undefined) delete next[name];
              else next[name] = v;
              setInput(next);
            }}
            idPrefix="run-input"
          />
        ) : (
          <div className="field">
            <label htmlFor="run-input-json">Input (JSON)</label>
            <JsonField
              id="run-input-json"
              value={input}
              onChange={setInput}
              invalid={false}
              describedBy="run-input-help"
              rows={8}
            />
            <p className="help" id="run-input-help">
              The start node's output; expressions read it as <code>input</code>.
            </p>
          </div>
        )}
        <Problems error={error} />
        <footer className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Starting…" : "Start run"}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
