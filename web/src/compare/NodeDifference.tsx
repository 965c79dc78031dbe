import { useMemo, useState } from "react";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import type { RunDiffNode, RunDiffSide } from "../api/types";
import { formatBytes } from "../runs/blob-preview";
import { brief, jsonDiff } from "./json-diff";

/** Changes listed at most in one node's output diff. */
const MAX_CHANGES = 100;

/** An output as the page holds it: its value, or not yet (it comes by hash only). */
type Held = { value: unknown } | null;

/** The output of a side when the answer carried it (or it has none), else null. */
function held(side: RunDiffSide | null): Held {
  if (!side || side.outputHash === null) return { value: undefined };
  return "output" in side ? { value: side.output } : null;
}

/**
 * How one node differs between runs `a` and `b`: status, port and error side by side, and its
 * output as a JSON diff (path, A, B). An output too large to come with the comparison is
 * compared by hash until asked for: then the node alone is read again (outputs up to 64 KiB
 * come inline), and one kept by reference is read from the blob store.
 */
export function NodeDifference({
  a,
  b,
  node,
  labels,
}: {
  a: string;
  b: string;
  node: RunDiffNode;
  labels: [string, string];
}) {
  const { client } = useSession();
  const [outputs, setOutputs] = useState<[Held, Held]>([held(node.a), held(node.b)]);
  const [loading, setLoading] = useState<{ busy: boolean; error: string | null }>({
    busy: false,
    error: null,
  });
  const [x, y] = outputs;
  const diff = useMemo(
    () => (x && y && !node.sameOutput ? jsonDiff(x.value, y.value, MAX_CHANGES) : null),
    [x, y, node.sameOutput],
  );

  const load = async () => {
    setLoading({ busy: true, error: null });
    try {
      const one = await call(
        client.api.runs[":a"].diff[":b"].$get({ param: { a, b }, query: { nodeId: node.id } }),
      );
      const row = one.nodes[0];
      const blob = async (side: RunDiffSide | null | undefined): Promise<Held> => {
        const h = held(side ?? null);
        if (h || !side?.outputHash) return h;
        const value: unknown = await call(
          client.api.blobs[":hash"].$get({ param: { hash: side.outputHash } }),
        );
        return { value };
      };
      setOutputs(await Promise.all([blob(row?.a), blob(row?.b)]));
      setLoading({ busy: false, error: null });
    } catch (err) {
      setLoading({ busy: false, error: describeError(err) });
    }
  };

  const sides = [node.a, node.b] as const;
  return (
    <div className="cmp-node" data-testid={`cmp-detail-${node.id}`}>
      {!node.sameStatus && (
        <dl className="cmp-sides">
          {sides.map((s, i) => (
            <div key={labels[i]}>
              <dt>{i === 0 ? "A" : "B"}</dt>
              <dd>
                {s ? s.status : "not in this run"}
                {s?.port ? ` · port ${s.port}` : ""}
                {s?.error ? ` · ${s.error.code}: ${s.error.message}` : ""}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {node.sameOutput ? (
        <p className="muted">The same output in both runs.</p>
      ) : diff ? (
        <>
          <table className="cmp-json" aria-label={`How ${node.id}'s output differs`}>
            <thead>
              <tr>
                <th>Where</th>
                <th>A</th>
                <th>B</th>
              </tr>
            </thead>
            <tbody>
              {diff.changes.map((c) => (
                <tr key={`${c.kind}:${c.path}`} className={`cmp-change-${c.kind}`}>
                  <td>
                    <code>{c.path === "" ? "(the whole output)" : c.path}</code>
                  </td>
                  <td>
                    <code>{c.kind === "added" ? "–" : brief(c.before)}</code>
                  </td>
                  <td>
                    <code>{c.kind === "removed" ? "–" : brief(c.after)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {diff.cut && <p className="muted">The first {MAX_CHANGES} differences are listed.</p>}
        </>
      ) : (
        <div className="cmp-by-hash">
          <p>
            The outputs differ by hash:{" "}
            {sides.map((s, i) => (
              <span key={labels[i]}>
                {i === 0 ? "A " : ", B "}
                <code>{s?.outputHash ? `${s.outputHash.slice(0, 12)}…` : "none"}</code>
                {s?.outputBytes != null && ` (${formatBytes(s.outputBytes)})`}
              </span>
            ))}
            .
          </p>
          <button type="button" onClick={() => void load()} disabled={loading.busy}>
            {loading.busy ? "Loading…" : "Load both outputs to compare them"}
          </button>
          {loading.error && (
            <p className="field-error" role="alert">
              Cannot read them: {loading.error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
