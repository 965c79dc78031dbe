import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createWorkflow, startRun, waitForRun } from "./helpers";
import { OTHER_KEY } from "./setup";

/** Row counts of every D1 table, to prove a refused request wrote nothing. */
async function counts(): Promise<Record<string, number>> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'd1\\_%' ESCAPE '\\'",
  ).all<{ name: string }>();
  const out: Record<string, number> = {};
  for (const { name } of tables.results) {
    out[name] =
      (await env.DB.prepare(`SELECT count(*) AS n FROM "${name}"`).first<{ n: number }>())?.n ?? 0;
  }
  return out;
}

describe("tenant isolation across every endpoint", () => {
  it("answers 404 to tenant B for each of tenant A's workflows, runs and approvals, and changes nothing", async () => {
    const wf = await createWorkflow({
      name: "tenant a",
      nodes: [
        { id: "start", type: "start" },
        { id: "gate", type: "approval", config: { message: "ok?" } },
      ],
      edges: [{ from: "start", to: "gate" }],
    });
    const runId = await startRun(wf);
    const done = await startRun(
      await createWorkflow({ name: "a2", nodes: [{ id: "start", type: "start" }] }),
    );
    await waitForRun(done);
    await api("PUT", `/api/workflows/${wf}/triggers`, { webhook: true });
    const created = await api<{ id: string }>("POST", "/api/keys", {
      name: "a key",
      scopes: ["read"],
    });
    const before = await counts();

    const attempts: [string, string, unknown?][] = [
      ["GET", `/api/workflows/${wf}`],
      ["PUT", `/api/workflows/${wf}`, { name: "stolen", nodes: [{ id: "start", type: "start" }] }],
      ["DELETE", `/api/workflows/${wf}`],
      ["GET", `/api/workflows/${wf}/versions`],
      ["GET", `/api/workflows/${wf}/versions/1`],
      ["GET", `/api/workflows/${wf}/diff?from=1&to=1`],
      ["POST", `/api/workflows/${wf}/runs`, {}],
      ["GET", `/api/workflows/${wf}/triggers`],
      ["PUT", `/api/workflows/${wf}/triggers`, { webhook: true }],
      ["GET", `/api/runs/${runId}`],
      ["GET", `/api/runs/${runId}/events`],
      ["POST", `/api/runs/${runId}/cancel`],
      ["POST", `/api/runs/${runId}/approvals/gate`, { decision: "approve" }],
      ["POST", `/api/runs/${done}/replay`, { fromNode: "start" }],
      ["GET", `/api/runs/${done}/diff/${done}`],
      ["DELETE", `/api/keys/${created.body.id}`],
      ["DELETE", "/api/secrets/NOT_MINE"],
    ];
    for (const [method, path, body] of attempts) {
      const res = await api<{ error: { code: string } }>(method, path, body, OTHER_KEY);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const ws = await SELF.fetch(`https://aob.test/api/runs/${runId}/ws`, {
      headers: { upgrade: "websocket", authorization: `Bearer ${OTHER_KEY}` },
    });
    expect(ws.status).toBe(404);

    // Lists show none of A's things.
    for (const path of [
      "/api/workflows",
      "/api/runs",
      "/api/approvals?status=pending",
      "/api/keys",
      "/api/secrets",
    ]) {
      const res = await api("GET", path, undefined, OTHER_KEY);
      const text = JSON.stringify(res.body);
      for (const secretId of [wf, runId, done, created.body.id])
        expect(text, path).not.toContain(secretId);
    }
    expect(await counts()).toEqual(before);
    expect((await api<{ status: string }>("GET", `/api/runs/${runId}`)).body.status).toBe(
      "waiting",
    );
  });
});
