import { useState } from "react";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import type { VersionInfo, WorkflowDiff, WorkflowVersion } from "../api/types";
import { brief } from "../compare/json-diff";
import { edgeText, fieldChanges } from "./version-diff";

interface Shown {
  diff: WorkflowDiff;
  before: WorkflowVersion["definition"];
  after: WorkflowVersion["definition"];
}

/**
 * Two versions of a saved workflow compared (`GET /api/workflows/:id/diff`): nodes and edges
 * added and removed, and for each changed node what changed in it, down to its config fields
 * and values (read from the two versions).
 */
export function VersionDiff({
  workflowId,
  versions,
  current,
}: {
  workflowId: string;
  versions: VersionInfo[];
  /** The version on the canvas: compared with the one before it by default. */
  current: number;
}) {
  const { client } = useSession();
  const numbers = versions.map((v) => v.version).sort((x, y) => x - y);
  const earlier = numbers.filter((n) => n < current).at(-1) ?? numbers[0] ?? 1;
  const [from, setFrom] = useState(earlier === current ? (numbers[0] ?? 1) : earlier);
  const [to, setTo] = useState(current);
  const [shown, setShown] = useState<Shown | null>(null);
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({
    busy: false,
    error: null,
  });

  const show = async () => {
    setState({ busy: true, error: null });
    try {
      const version = (v: number) =>
        call(
          client.api.workflows[":id"].versions[":version"].$get({
            param: { id: workflowId, version: String(v) },
          }),
        );
      const [diff, before, after] = await Promise.all([
        call(
          client.api.workflows[":id"].diff.$get({
            param: { id: workflowId },
            query: { from: String(from), to: String(to) },
          }),
        ),
        version(from),
        version(to),
      ]);
      setShown({ diff, before: before.definition, after: after.definition });
      setState({ busy: false, error: null });
    } catch (err) {
      setState({ busy: false, error: describeError(err) });
    }
  };

  const picker = (label: string, value: number, set: (v: number) => void) => (
    <label className="vd-pick">
      {label}{" "}
      <select
        value={value}
        onChange={(e) => {
          set(Number(e.target.value));
          setShown(null);
        }}
      >
        {numbers.map((n) => (
          <option key={n} value={n}>
            v{n}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <section aria-label="Compare versions" className="version-diff">
      <h3>Compare versions</h3>
      <div className="vd-pickers">
        {picker("From", from, setFrom)}
        {picker("to", to, setTo)}
        <button type="button" onClick={() => void show()} disabled={state.busy || from === to}>
          Show changes
        </button>
      </div>
      {state.error && (
        <p className="field-error" role="alert">
          Cannot compare them: {state.error}
        </p>
      )}
      {shown && <Changes shown={shown} />}
    </section>
  );
}

function Changes({ shown }: { shown: Shown }) {
  const { diff, before, after } = shown;
  const { nodes, edges, fields } = diff.diff;
  const typeOf = (def: Shown["before"], id: string) => def.nodes.find((n) => n.id === id)?.type;
  const empty =
    nodes.added.length +
      nodes.removed.length +
      nodes.changed.length +
      edges.added.length +
      edges.removed.length +
      fields.length ===
    0;
  if (empty) {
    return (
      <p className="muted" data-testid="version-diff">
        v{diff.from} and v{diff.to} define the same workflow (layout aside).
      </p>
    );
  }
  return (
    <div className="vd-changes" data-testid="version-diff">
      <p className="muted">
        From v{diff.from} to v{diff.to}:
      </p>
      {fields.length > 0 && <p>Workflow fields changed: {fields.join(", ")}</p>}
      {nodes.added.length > 0 && (
        <div className="vd-group">
          <h4>Nodes added</h4>
          <ul>
            {nodes.added.map((id) => (
              <li key={id} className="vd-added">
                + <code>{id}</code> <span className="muted">{typeOf(after, id)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {nodes.removed.length > 0 && (
        <div className="vd-group">
          <h4>Nodes removed</h4>
          <ul>
            {nodes.removed.map((id) => (
              <li key={id} className="vd-removed">
                − <code>{id}</code> <span className="muted">{typeOf(before, id)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {nodes.changed.length > 0 && (
        <div className="vd-group">
          <h4>Nodes changed</h4>
          <ul>
            {nodes.changed.map((c) => {
              const { changes, cut } = fieldChanges(
                before.nodes.find((n) => n.id === c.id),
                after.nodes.find((n) => n.id === c.id),
                c.fields,
              );
              return (
                <li key={c.id} data-testid={`vd-changed-${c.id}`}>
                  ~ <code>{c.id}</code>
                  <ul className="vd-fields">
                    {changes.map((f) => (
                      <li key={f.path}>
                        <code>{f.path}</code>:{" "}
                        {f.kind === "added" ? (
                          <>
                            added <code className="vd-after">{brief(f.after, 60)}</code>
                          </>
                        ) : f.kind === "removed" ? (
                          <>
                            removed (was <code className="vd-before">{brief(f.before, 60)}</code>)
                          </>
                        ) : (
                          <>
                            <code className="vd-before">{brief(f.before, 60)}</code> →{" "}
                            <code className="vd-after">{brief(f.after, 60)}</code>
                          </>
                        )}
                      </li>
                    ))}
                    {cut && <li className="muted">and more</li>}
                  </ul>
                </li>
              );
            })}
          </ul>
        </div>
      )}
      {edges.added.length + edges.removed.length > 0 && (
        <div className="vd-group">
          <h4>Edges</h4>
          <ul>
            {edges.added.map((e) => (
              <li key={`+${edgeText(e)}`} className="vd-added">
                + {edgeText(e)}
              </li>
            ))}
            {edges.removed.map((e) => (
              <li key={`-${edgeText(e)}`} className="vd-removed">
                − {edgeText(e)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
