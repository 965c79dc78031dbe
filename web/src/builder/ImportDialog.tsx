import { useState } from "react";
import type { WorkflowDefinitionInput } from "../../../core/workflow/definition";
import { Dialog } from "../ui/Dialog";
import { parseImport } from "./convert";

/** Paste or pick a JSON definition; it replaces the canvas (undo brings the old one back). */
export function ImportDialog({
  onImport,
  onClose,
}: {
  onImport(definition: WorkflowDefinitionInput): void;
  onClose(): void;
}) {
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const submit = () => {
    const parsed = parseImport(text);
    if (typeof parsed === "string") setProblem(parsed);
    else onImport(parsed);
  };
  return (
    <Dialog title="Import a workflow" onClose={onClose} wide>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="field">
          <label htmlFor="import-file">From a file</label>
          <input
            id="import-file"
            type="file"
            accept="application/json,.json"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (file) setText(await file.text());
            }}
          />
        </div>
        <div className="field">
          <label htmlFor="import-text">Or paste the JSON definition</label>
          <textarea
            id="import-text"
            className="mono"
            rows={14}
            value={text}
            spellCheck={false}
            aria-invalid={problem !== null}
            onChange={(e) => {
              setText(e.target.value);
              setProblem(null);
            }}
            placeholder='{ "name": "…", "nodes": [ … ], "edges": [ … ] }'
          />
          {problem && (
            <p className="field-error" role="alert">
              Cannot import: {problem}
            </p>
          )}
        </div>
        <footer className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={text.trim() === ""}>
            Import
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
