import { useEffect, useState } from "react";

interface Health {
  version: string;
  ok: boolean;
  checks: Record<string, { ok: boolean; ms: number; error?: string }>;
}

/**
 * The platform status page. The visual builder and run view (issue 7) grow from here.
 */
export function App() {
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    fetch("/api/health")
      .then(async (res) => setHealth((await res.json()) as Health))
      .catch((err: unknown) => setError(String(err)));
  }, []);
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 720, margin: "40px auto" }}>
      <h1>aob</h1>
      <p>Agentic Orchestration Builder: durable, observable workflows on Cloudflare Workers.</p>
      <h2>Platform status</h2>
      {error && <p role="alert">Cannot reach the API: {error}</p>}
      {!health && !error && <p>Checking…</p>}
      {health && (
        <table>
          <tbody>
            {Object.entries(health.checks).map(([name, check]) => (
              <tr key={name}>
                <td>{name}</td>
                <td data-testid={`check-${name}`}>{check.ok ? "ok" : `failing: ${check.error}`}</td>
                <td>{check.ms} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {health && <p>Version {health.version}</p>}
    </main>
  );
}
