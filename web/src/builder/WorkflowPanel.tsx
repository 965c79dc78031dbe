import { call } from "../api/client";
import { useSession } from "../api/session";
import type { VersionInfo } from "../api/types";
import { formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { useAsync } from "../ui/use-async";
import type { RunSettings, WorkflowMeta } from "./convert";
import { ToolSection } from "./ToolSection";
import { TriggersSection } from "./TriggersSection";
import type { Validation } from "./use-validation";
import { VersionDiff } from "./VersionDiff";

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
      {saved && versions && versions.length > 1 && (
        <VersionDiff
          key={`${saved.id}:${saved.version}`}
          workflowId={saved.id}
          versions={versions}
          current={saved.version}
        />
      )}
      {saved && <AdmissionTier workflowId={saved.id} version={saved.latestVersion} />}
      <ConcurrencySection meta={meta} onMeta={onMeta} />
      {saved && <TriggersSection workflowId={saved.id} />}
      <ToolSection meta={meta} onMeta={onMeta} />
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

type Settings = RunSettings;

/** The key every flow rule shares (validation refuses rules naming different keys). */
function keyOf(settings: Settings | undefined): string | undefined {
  return settings?.concurrency?.key ?? settings?.throttle?.key ?? settings?.debounce?.key;
}

/** The settings with `key` set on every flow rule present (removed when empty). */
function withKey(settings: Settings, key: string | undefined): Settings {
  const next: Settings = { ...settings };
  for (const rule of ["concurrency", "throttle", "debounce"] as const) {
    const value = next[rule];
    if (!value) continue;
    const { key: _old, ...rest } = value;
    Object.assign(next, { [rule]: key ? { ...rest, key } : rest });
  }
  return next;
}

/**
 * Flow control (docs/FLOW-CONTROL.md): how many runs may be active at once, how many may start
 * per period, a debounce, and the key they share; empty fields, no rule.
 */
function ConcurrencySection({
  meta,
  onMeta,
}: {
  meta: WorkflowMeta;
  onMeta(patch: Partial<WorkflowMeta>, key: string): void;
}) {
  const settings = meta.settings ?? {};
  const key = keyOf(settings);
  const number = (value: string) => (value === "" ? undefined : Number(value));
  /** Sets (or, with undefined, removes) one rule, keeping the shared key on every rule. */
  const setRule = <R extends "concurrency" | "throttle" | "debounce">(
    rule: R,
    value: Settings[R] | undefined,
    field: string,
  ) => {
    const { [rule]: _old, ...rest } = settings;
    const next = value === undefined ? rest : { ...rest, [rule]: value };
    onMeta({ settings: withKey(next, key) }, `${rule}.${field}`);
  };
  const concurrency = settings.concurrency;
  const throttle = settings.throttle;
  const any = Boolean(concurrency || throttle || settings.debounce);
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
          value={concurrency?.limit ?? ""}
          onChange={(e) => {
            const limit = number(e.target.value);
            setRule(
              "concurrency",
              limit === undefined ? undefined : { ...concurrency, limit },
              "limit",
            );
          }}
        />
      </div>
      {concurrency && (
        <>
          <div className="field">
            <label htmlFor="wf-concurrency-priority">
              Priority (a template giving a number; higher starts first)
            </label>
            <input
              id="wf-concurrency-priority"
              value={concurrency.priority ?? ""}
              onChange={(e) => {
                const { priority: _priority, ...rest } = concurrency;
                const priority = e.target.value;
                setRule("concurrency", priority === "" ? rest : { ...rest, priority }, "priority");
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
              value={concurrency.maxQueued ?? ""}
              onChange={(e) => {
                const { maxQueued: _max, ...rest } = concurrency;
                const maxQueued = number(e.target.value);
                setRule(
                  "concurrency",
                  maxQueued === undefined ? rest : { ...rest, maxQueued },
                  "maxQueued",
                );
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
          value={throttle?.limit ?? ""}
          onChange={(e) => {
            const limit = number(e.target.value);
            setRule(
              "throttle",
              limit === undefined ? undefined : { periodSeconds: 60, ...throttle, limit },
              "limit",
            );
          }}
        />
      </div>
      {throttle && (
        <div className="field">
          <label htmlFor="wf-throttle-period">Period (seconds)</label>
          <input
            id="wf-throttle-period"
            type="number"
            min={1}
            max={86400}
            value={throttle.periodSeconds}
            onChange={(e) => {
              const periodSeconds = number(e.target.value) ?? 1;
              setRule("throttle", { ...throttle, periodSeconds }, "periodSeconds");
            }}
          />
        </div>
      )}
      <div className="field">
        <label htmlFor="wf-debounce">Debounce (seconds; empty: none)</label>
        <input
          id="wf-debounce"
          type="number"
          min={1}
          max={86400}
          value={settings.debounce?.periodSeconds ?? ""}
          onChange={(e) => {
            const periodSeconds = number(e.target.value);
            setRule(
              "debounce",
              periodSeconds === undefined ? undefined : { ...settings.debounce, periodSeconds },
              "periodSeconds",
            );
          }}
        />
      </div>
      {any && (
        <div className="field">
          <label htmlFor="wf-flow-key">Per key (a template, e.g. {"{{ input.customer }}"})</label>
          <input
            id="wf-flow-key"
            value={key ?? ""}
            onChange={(e) =>
              onMeta({ settings: withKey(settings, e.target.value || undefined) }, "flow.key")
            }
          />
        </div>
      )}
      <p className="muted">
        Runs past the limit or the throttle wait as queued and start in the order they came (highest
        priority first); starts within a debounce period become one run with the last input. The
        rules share one key.
      </p>
    </section>
  );
}

/** The tier the saved workflow's starts are admitted in, and why (by its agent nodes). */
function AdmissionTier({ workflowId, version }: { workflowId: string; version: number }) {
  const { client } = useSession();
  const admission = useAsync(
    async () =>
      (await call(client.api.workflows[":id"].$get({ param: { id: workflowId }, query: {} })))
        .admission,
    [client, workflowId, version],
  );
  if (!admission.data) return null;
  return (
    <section aria-label="Admission">
      <h3>Admission</h3>
      <p data-testid="admission-tier">Its starts are admitted by: {admission.data.reason}.</p>
    </section>
  );
}
