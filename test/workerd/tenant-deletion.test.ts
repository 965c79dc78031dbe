import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sweep } from "../../workers/lifecycle/sweep";
import { poll } from "../support/poll";
import { api, type RunBody, rowsNaming, startRun, waitForRun } from "./helpers";
import { OTHER_KEY } from "./setup";

/** start → big (the same 100 KB output in every tenant: one shared R2 object) → end. */
const SHARED = {
  name: "shared bytes",
  nodes: [
    { id: "start", type: "start" },
    {
      id: "big",
      type: "transform",
      config: { expression: `{ "text": $pad("", 100000, "s") }` },
    },
    { id: "done", type: "end", config: { output: "{{ $length(nodes.big.output.text) }}" } },
  ],
  edges: [
    { from: "start", to: "big" },
    { from: "big", to: "done" },
  ],
};

/** Rows naming the tenant, per D1 table with a `tenant_id` column (and `tenants`). */
const tenantRows = (tenantId: string) => rowsNaming("tenant_id", "tenants", tenantId);

// Storage is per test file: deleting tenant B here leaves the other files' tenant B alone.
describe("deleting all of a tenant's data", { timeout: 30_000 }, () => {
  it("needs its id typed again and no active run; then its keys stop at once and the sweep leaves nothing of it", async () => {
    const asB = <T>(method: string, path: string, body?: unknown) =>
      api<T>(method, path, body, OTHER_KEY);
    const wfB = (await asB<{ id: string }>("POST", "/api/workflows", SHARED)).body.id;
    await asB("PUT", "/api/secrets/B_TOKEN", { value: "b-secret" });
    await asB("PUT", "/api/retention", { days: 90 });
    await asB("PUT", `/api/workflows/${wfB}/triggers`, { webhook: true });
    const runB = (await asB<{ runId: string }>("POST", `/api/workflows/${wfB}/runs`, {})).body
      .runId;
    // Tenant A produces the same bytes: the shared object must survive B's deletion.
    const wfA = (await api<{ id: string }>("POST", "/api/workflows", SHARED)).body.id;
    const runA = await waitForRun(await startRun(wfA));
    await poll(
      `run ${runB} to complete`,
      async () => (await asB<RunBody>("GET", `/api/runs/${runB}`)).body,
      (run) => run.status === "completed",
    );
    const shared = (runA.nodes.find((n) => n.id === "big") as unknown as { outputHash: string })
      .outputHash;

    const wrong = await asB<{ error: { details: { errors: { at: string }[] } } }>(
      "DELETE",
      "/api/tenant",
      { confirm: "t_a" },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.errors[0]!.at).toBe("confirm");
    expect((await asB("GET", "/api/workflows")).status).toBe(200);

    const started = await asB<{ runs: number; workflows: number }>("DELETE", "/api/tenant", {
      confirm: "t_b",
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ runs: 1, workflows: 1 });
    expect((await asB("GET", "/api/workflows")).status).toBe(401);

    for (let i = 0; i < 3; i++) expect((await sweep(env, Date.now())).error).toBeNull();
    expect(await tenantRows("t_b")).toEqual({});
    const runRows = await env.DB.prepare(`SELECT count(*) AS n FROM runs WHERE id = ?`)
      .bind(runB)
      .first<{ n: number }>();
    expect(runRows!.n).toBe(0);
    // A's copy of the shared bytes and A itself are untouched.
    expect(await env.BLOBS.head(`cas/sha256/${shared}`)).not.toBeNull();
    const blob = await SELF.fetch(`https://aob.test/api/blobs/${shared}`, {
      headers: { authorization: "Bearer aob_test_key_tenant_a" },
    });
    await blob.arrayBuffer();
    expect(blob.status).toBe(200);
    expect((await api("GET", `/api/workflows/${wfA}`)).status).toBe(200);
  });
});
