import type { VersionInfo } from "../api/types";
import { formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import type { RunSettings, WorkflowMeta } from "./convert";
import { TriggersSection } from "./TriggersSection";
import type { Validation } from "./use-validation";

export interface Saved {
  id: string;
  /** The version on the canvas. */
  version: number;
  latestVersion: number;
}

/** Shown when nothing is selected: the workflow's fields, its problems and its versions. */
export function WorkflowPanel({
  meta,
  onMeta,
  validation,
  saved,
  versions,
  versionsError,
}: {
  meta: WorkflowMeta;
  onMeta(patch: Partial<WorkflowMeta>, key: string): void;
  validation: Validation;
  saved: Saved | null;
  versions: VersionInfo[] | null;
  versionsError: string | null;
}) {
  const nameIssues = validation.issues.general.filter((m) => m.startsWith("name"));
  return (
    <section className="inspector-body" aria-label="Workflow">
      <h2>Workflow</h2>
      <div className="field">
        <label htmlFor="wf-description">Description</label>
        <textarea
          id="wf-description"
          rows={2}
          value={meta.description ?? ""}
          onChange={(e) => onMeta({ description: e.target.value }, "description")}
        />
      </div>
      {nameIssues.map((m) => (
        <p key={m} className="field-error">
          {m}
        </p>
      ))}
      <section aria-label="Problems">
        <h3>Problems</h3>
        {validation.state === "unavailable" && (
          <p className="field-error">Cannot validate: {validation.error}</p>
        )}
        {validation.state === "valid" && <p className="ok-text">No problems: ready to save.</p>}
        {validation.state === "idle" && (
          <p className="muted">
            Add a Start node to begin; problems show up here and on the nodes.
          </p>
        )}
        {validation.state === "invalid" && (
          <p>
            {validation.count} problem{validation.count === 1 ? "" : "s"}: select a node marked ⚠ to
            see its fields.
          </p>
        )}
        {validation.issues.general
          .filter((m) => !m.startsWith("name"))
          .map((m) => (
            <p key={m} className="field-error">
              {m}
            </p>
          ))}
        {validation.warnings.map((w) => (
          <p key={w} className="warn-text">
            {w}
          </p>
        ))}
      </section>
      <section aria-label="Versions">
        <h3>Versions</h3>
        {!saved && <p className="muted">Not saved yet. Saving creates version 1.</p>}
        {versionsError && <p className="field-error">Cannot list versions: {versionsError}</p>}
        {saved && versions && (
          <ol className="versions">
            {versions.map((v) => (
              <li key={v.version}>
                {v.version === saved.version ? (
                  <strong>v{v.version} (on the canvas)</strong>
                ) : (
                  <Link to={{ page: "builder", workflowId: saved.id, version: v.version }}>
                    Open v{v.version}
                  </Link>
                )}{" "}
                <span className="muted">{formatTime(v.createdAt)}</span>
              </li>
            ))}
          </ol>
        )}
        {saved && (
          <Link to={{ page: "runs", status: null, workflowId: saved.id }}>
            Runs of this workflow
          </Link>
        )}
      </section>
      <ConcurrencySection meta={meta} onMeta={onMeta} />
      {saved && <TriggersSection workflowId={saved.id} />}
      <section aria-label="Keyboard">
        <h3>Keyboard</h3>
        <ul className="keys">
          <li>
            <kbd>Tab</kbd> to a node, <kbd>Enter</kbd> selects it, arrows move it
          </li>
          <li>
            <kbd>Delete</kbd> / <kbd>Backspace</kbd> removes the selection
          </li>
          <li>
            <kbd>Ctrl</kbd>+<kbd>Z</kbd> undo, <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>Z</kbd> redo
          </li>
          <li>
            <kbd>Ctrl</kbd>+<kbd>S</kbd> save
          </li>
        </ul>
      </section>
    </section>
  );
}

type Concurrency = NonNullable<RunSettings["concurrency"]>;

/**
 * How many runs of the workflow may be active at once (docs/FLOW-CONTROL.md): empty, no limit;
 * with a key template, a limit per value of the key.
 */
function ConcurrencySection({
  meta,
  onMeta,
}: {
  meta: WorkflowMeta;
  onMeta(patch: Partial<WorkflowMeta>, key: string): void;
}) {
  const current = meta.settings?.concurrency;
  const set = (next: Concurrency | undefined, field: string) => {
    const { concurrency: _old, ...rest } = meta.settings ?? {};
    onMeta({ settings: next ? { ...rest, concurrency: next } : rest }, `concurrency.${field}`);
  };
  const number = (value: string) => (value === "" ? undefined : Number(value));
  return (
    <section aria-label="Runs at once">
      <h3>Runs at once</h3>
      <div className="field">
        <label htmlFor="wf-concurrency-limit">Limit (empty: no limit)</label>
        <input
          id="wf-concurrency-limit"
          type="number"
          min={1}
          max={1000}
          value={current?.limit ?? ""}
          onChange={(e) => {
            const limit = number(e.target.value);
            set(limit === undefined ? undefined : { ...current, limit }, "limit");
          }}
        />
      </div>
      {current && (
        <>
          <div className="field">
            <label htmlFor="wf-concurrency-key">
              Per key (a template, e.g. {"{{ input.customer }}"})
            </label>
            <input
              id="wf-concurrency-key"
              value={current.key ?? ""}
              onChange={(e) => {
                const { key: _key, ...rest } = current;
                set(e.target.value === "" ? rest : { ...rest, key: e.target.value }, "key");
              }}
            />
          </div>
          <div className="field">
            <label htmlFor="wf-concurrency-queued">Most runs waiting (default 1000)</label>
            <input
              id="wf-concurrency-queued"
              type="number"
              min={1}
              max={10000}
              value={current.maxQueued ?? ""}
              onChange={(e) => {
                const { maxQueued: _max, ...rest } = current;
                const maxQueued = number(e.target.value);
                set(maxQueued === undefined ? rest : { ...rest, maxQueued }, "maxQueued");
              }}
            />
          </div>
        </>
      )}
      <div className="field">
        <label htmlFor="wf-throttle-limit">Starts per period (empty: no throttle)</label>
        <input
          id="wf-throttle-limit"
          type="number"
          min={1}
          max={10000}
          value={meta.settings?.throttle?.limit ?? ""}
          onChange={(e) => {
            const limit = number(e.target.value);
            const { throttle: old, ...rest } = meta.settings ?? {};
            const throttle = limit === undefined ? undefined : { periodSeconds: 60, ...old, limit };
            onMeta({ settings: throttle ? { ...rest, throttle } : rest }, "throttle.limit");
          }}
        />
      </div>
      {meta.settings?.throttle && (
        <div className="field">
          <label htmlFor="wf-throttle-period">Period (seconds)</label>
          <input
            id="wf-throttle-period"
            type="number"
            min={1}
            max={86400}
            value={meta.settings.throttle.periodSeconds}
            onChange={(e) => {
              const throttle = meta.settings?.throttle;
              if (!throttle) return;
              const periodSeconds = number(e.target.value) ?? 1;
              onMeta(
                { settings: { ...meta.settings, throttle: { ...throttle, periodSeconds } } },
                "throttle.periodSeconds",
              );
            }}
          />
        </div>
      )}
      <p className="muted">
        Runs past the limit or the throttle wait as queued and start in the order they came.
      </p>
    </section>
  );
}
