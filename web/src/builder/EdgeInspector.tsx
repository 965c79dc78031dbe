import type { CanvasEdge, CanvasNode } from "../flow/node-data";
import { ERROR_PORT, portsOf } from "../flow/ports";

/** The selected edge: its port, whether it is a loop back edge, its problems. */
export function EdgeInspector({
  edge,
  source,
  issues,
  onPort,
  onLoop,
  onDelete,
}: {
  edge: CanvasEdge;
  source: CanvasNode | undefined;
  issues: readonly string[];
  onPort(port: string): void;
  onLoop(loop: { maxIterations: number } | null): void;
  onDelete(): void;
}) {
  const ports =
    source && source.type !== "end" ? portsOf(source.data.kind, source.data.config) : [];
  const all = [...new Set([...ports, ERROR_PORT, edge.sourceHandle ?? "success"])];
  const loop = edge.data?.loop;
  return (
    <section className="inspector-body" aria-label="Edge">
      <header className="inspector-head">
        <h2>Edge</h2>
        <button type="button" className="danger small" onClick={onDelete}>
          Delete edge
        </button>
      </header>
      <p>
        <code>{edge.source}</code> → <code>{edge.target}</code>
      </p>
      {issues.map((m) => (
        <p key={m} className="field-error" role="alert">
          {m}
        </p>
      ))}
      <div className="field">
        <label htmlFor="edge-port">Fires on port</label>
        <select
          id="edge-port"
          value={edge.sourceHandle ?? "success"}
          onChange={(e) => onPort(e.target.value)}
        >
          {all.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <p className="help">
          <code>error</code> fires only when the source fails for good; other ports name an outcome.
        </p>
      </div>
      <div className="field field-inline">
        <input
          id="edge-loop"
          type="checkbox"
          checked={loop !== undefined}
          onChange={(e) => onLoop(e.target.checked ? { maxIterations: 10 } : null)}
        />
        <label htmlFor="edge-loop">Loop back edge</label>
      </div>
      {loop && (
        <div className="field">
          <label htmlFor="edge-max">Max iterations</label>
          <input
            id="edge-max"
            type="number"
            min={1}
            max={10000}
            value={loop.maxIterations}
            onChange={(e) => onLoop({ maxIterations: Math.max(1, Number(e.target.value) || 1) })}
          />
          <p className="help">Only a loop edge may close a cycle; it must point back upstream.</p>
        </div>
      )}
    </section>
  );
}
