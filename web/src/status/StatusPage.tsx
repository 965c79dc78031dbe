import { call } from "../api/client";
import { useSession } from "../api/session";
import { ErrorNote, Loading } from "../ui/notes";
import { PageHead } from "../ui/PageHead";
import { useAsync } from "../ui/use-async";
import { DeleteTenantSection } from "./DeleteTenantSection";
import { RetentionSection } from "./RetentionSection";
import "./status.css";

/**
 * The platform's health: one real round trip per binding (`GET /api/health/deep`, which needs
 * a key and whose answer the server reuses for 10 s).
 */
export function StatusPage() {
  const { client } = useSession();
  const health = useAsync(async () => {
    const res = await client.api.health.deep.$get();
    // A 503 still carries the checks, and shows which one fails; other errors are thrown.
    if (res.status === 503) return res.json();
    return call(Promise.resolve(res));
  }, [client]);
  return (
    <div className="page">
      <PageHead title="Platform status">
        <button type="button" onClick={health.reload}>
          Check again
        </button>
      </PageHead>
      {health.error && <ErrorNote title="Cannot reach the API">{health.error}</ErrorNote>}
      {health.state === "loading" && !health.data && <Loading what="health checks" />}
      {health.data && (
        <>
          <table className="table narrow">
            <tbody>
              {Object.entries(health.data.checks).map(([name, check]) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td data-testid={`check-${name}`}>
                    {check.ok ? "ok" : `failing: ${check.error}`}
                  </td>
                  <td>{check.ms} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">
            Version {health.data.version}. Checked {Math.round(health.data.ageMs / 1000)} s ago (the
            server reuses a check for 10 s).
          </p>
        </>
      )}
      <RetentionSection />
      <DeleteTenantSection />
    </div>
  );
}
