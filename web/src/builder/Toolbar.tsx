import type { WorkflowMeta } from "./convert";
import type { Validation } from "./use-validation";
import type { Saved } from "./WorkflowPanel";

export interface ToolbarProps {
  meta: WorkflowMeta;
  onName(name: string): void;
  saved: Saved | null;
  dirty: boolean;
  validation: Validation;
  canUndo: boolean;
  canRedo: boolean;
  empty: boolean;
  busy: boolean;
  onUndo(): void;
  onRedo(): void;
  onLayout(): void;
  onImport(): void;
  onExport(): void;
  onSave(): void;
  onRun(): void;
}

/** The workflow's name and state, and the builder's commands. */
export function Toolbar(p: ToolbarProps) {
  const { validation } = p;
  const problems = `${validation.count} problem${validation.count === 1 ? "" : "s"}`;
  const runBlocked = !p.saved
    ? "Save the workflow to run it."
    : p.dirty
      ? "Save your changes to run them."
      : null;
  return (
    <div className="toolbar" role="toolbar" aria-label="Workflow">
      <label className="sr-only" htmlFor="wf-name">
        Workflow name
      </label>
      <input
        id="wf-name"
        className="wf-name"
        value={p.meta.name}
        onChange={(e) => p.onName(e.target.value)}
        placeholder="Workflow name"
        aria-invalid={validation.issues.general.some((m) => m.startsWith("name"))}
      />
      <span className="wf-state" aria-live="polite">
        {p.saved ? `v${p.saved.version}` : "new"}
        {p.dirty ? " · unsaved changes" : " · saved"}
        {validation.state === "checking" && " · checking…"}
        {validation.state === "invalid" && ` · ${problems}`}
        {validation.state === "valid" && " · valid"}
      </span>
      <span className="spacer" />
      <button type="button" onClick={p.onUndo} disabled={!p.canUndo} title="Undo (Ctrl+Z)">
        Undo
      </button>
      <button type="button" onClick={p.onRedo} disabled={!p.canRedo} title="Redo (Ctrl+Shift+Z)">
        Redo
      </button>
      <button type="button" onClick={p.onLayout} disabled={p.empty}>
        Auto-layout
      </button>
      <button type="button" onClick={p.onImport}>
        Import
      </button>
      <button type="button" onClick={p.onExport} disabled={p.empty}>
        Export
      </button>
      <button
        type="button"
        className="primary"
        onClick={p.onSave}
        disabled={p.busy || (!p.dirty && p.saved !== null)}
        title="Save (Ctrl+S)"
      >
        {p.busy ? "Saving…" : "Save"}
      </button>
      <button
        type="button"
        className="primary"
        onClick={p.onRun}
        disabled={runBlocked !== null}
        title={runBlocked ?? "Start a run of this version"}
      >
        Run…
      </button>
    </div>
  );
}
