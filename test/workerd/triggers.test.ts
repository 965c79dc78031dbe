import { createExecutionContext, createScheduledController, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { api, createWorkflow, ECHO_WORKFLOW, waitForRun } from "./helpers";
import { personRows } from "./setup";

/** A fresh tenant with an admin key: its rate-limit buckets start full. */
async function tenant(id: string): Promise<string> {
  const key = `aob_test_key_${id}`;
  await env.DB.batch([
    env.DB.prepare("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, 0)").bind(id, id),
    ...(await personRows({
      tenantId: id,
      userId: `usr_${id}`,
      name: "test",
      roles: ["admin"],
      keyId: `k_${id}`,
      key,
      scopes: ["admin"],
    })),
  ]);
  return key;
}

/** `n` workflows of a tenant, each with the cron schedule `cron`. */
async function scheduled(key: string, n: number, cron = "* * * * *"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await api<{ id: string }>("POST", "/api/workflows", echo, key);
    ids.push(res.body.id);
    expect((await api("PUT", `/api/workflows/${res.body.id}/triggers`, { cron }, key)).status).toBe(
      200,
    );
  }
  return ids;
}

/** The scheduled handler at `iso`, with settings changed for this call. */
const tick = (iso: string, vars: Partial<Env> = {}) =>
  worker.scheduled(
    createScheduledController({ scheduledTime: new Date(iso).getTime(), cron: "* * * * *" }),
    { ...env, ...vars },
    createExecutionContext(),
  );

const runsOf = async (tenantId: string) =>
  (
    await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE tenant_id = ?")
      .bind(tenantId)
      .first<{ n: number }>()
  )?.n;

const refusals = async (workflowIds: string[]) =>
  (
    await env.DB.prepare(
      `SELECT workflow_id, key, run_id, error FROM trigger_deliveries WHERE error IS NOT NULL AND workflow_id IN (${workflowIds.map(() => "?").join(",")})`,
    )
      .bind(...workflowIds)
      .all<{ workflow_id: string; key: string; run_id: string | null; error: string }>()
  ).results.map((r) => ({ ...r, error: JSON.parse(r.error) as { code: string; message: string } }));

const echo = ECHO_WORKFLOW;

const hook = (url: string, body: unknown, key?: string) =>
  SELF.fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
    body: JSON.stringify(body),
  });

describe("triggers", () => {
  it("starts a run from a webhook, and once per Idempotency-Key", async () => {
    const id = await createWorkflow(echo);
    const set = await api<{ webhookUrl: string; webhook: boolean }>(
      "PUT",
      `/api/workflows/${id}/triggers`,
      { webhook: true },
    );
    expect(set.status).toBe(200);
    const url = set.body.webhookUrl.replace(/^https?:\/\/[^/]+/, "https://aob.test");
    const first = await hook(url, { order: 42 }, "delivery-1");
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as { runId: string };
    const again = await hook(url, { order: 42 }, "delivery-1");
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ runId, deduplicated: true });
    expect((await waitForRun(runId)).output).toEqual({ order: 42 });
    const other = await hook(url, { order: 43 }, "delivery-2");
    expect(((await other.json()) as { runId: string }).runId).not.toBe(runId);
    const runs = await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE workflow_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(runs?.n).toBe(2);
    // The token is shown once; reading the triggers never reveals it.
    const read = await api<Record<string, unknown>>("GET", `/api/workflows/${id}/triggers`);
    expect(read.body).toEqual({ workflowId: id, webhook: true, cron: null, signature: false });
  });

  it("refuses a wrong token, a rotated token and a removed webhook alike", async () => {
    const id = await createWorkflow(echo);
    const set = await api<{ webhookUrl: string }>("PUT", `/api/workflows/${id}/triggers`, {
      webhook: true,
    });
    const url = set.body.webhookUrl.replace(/^https?:\/\/[^/]+/, "https://aob.test");
    expect((await hook(`${url}x`, {})).status).toBe(404);
    const rotated = await api<{ webhookUrl: string }>("PUT", `/api/workflows/${id}/triggers`, {
      rotateToken: true,
    });
    expect((await hook(url, {})).status).toBe(404);
    expect(
      (await hook(rotated.body.webhookUrl.replace(/^https?:\/\/[^/]+/, "https://aob.test"), {}))
        .status,
    ).toBe(202);
    await api("PUT", `/api/workflows/${id}/triggers`, { webhook: false });
    expect(
      (await hook(rotated.body.webhookUrl.replace(/^https?:\/\/[^/]+/, "https://aob.test"), {}))
        .status,
    ).toBe(404);
  });

  it("starts scheduled runs from the cron handler, once per minute", async () => {
    const id = await createWorkflow(echo);
    const bad = await api<{ error: { details: { errors: { at: string }[] } } }>(
      "PUT",
      `/api/workflows/${id}/triggers`,
      {
        cron: "every tuesday",
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors[0]?.at).toBe("cron");
    expect(
      (await api("PUT", `/api/workflows/${id}/triggers`, { cron: "*/15 * * * *" })).status,
    ).toBe(200);
    const at = (iso: string) =>
      createScheduledController({ scheduledTime: new Date(iso).getTime(), cron: "* * * * *" });
    const count = async () =>
      (
        await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE workflow_id = ?")
          .bind(id)
          .first<{ n: number }>()
      )?.n;
    await worker.scheduled(at("2026-11-24T10:07:00Z"), env, createExecutionContext());
    expect(await count()).toBe(0);
    await worker.scheduled(at("2026-11-24T10:15:00Z"), env, createExecutionContext());
    await worker.scheduled(at("2026-11-24T10:15:20Z"), env, createExecutionContext());
    expect(await count()).toBe(1);
    const run = await env.DB.prepare("SELECT id FROM runs WHERE workflow_id = ?")
      .bind(id)
      .first<{ id: string }>();
    expect((await waitForRun(run!.id)).output).toEqual({ scheduledAt: "2026-11-24T10:15:00.000Z" });
  });

  it("cron goes through run admission: a tenant over its rate gets no extra runs, and the refusal is recorded", async () => {
    const key = await tenant("t_cron_rate");
    const ids = await scheduled(key, 3);
    await tick("2026-11-25T08:00:00Z", {
      AOB_RATE_LIMITS: JSON.stringify({ none: 2, windowSeconds: 3600 }),
    });
    expect(await runsOf("t_cron_rate")).toBe(2);
    const refused = await refusals(ids);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      key: "cron:2026-11-25T08:00:00.000Z",
      run_id: null,
      error: {
        code: "rate_limited",
        message: expect.stringMatching(/too many runs started for this tenant/),
      },
    });
    // Cron and the API take from the same bucket: cron emptied it, so the API is refused too.
    const fromApi = await api("POST", `/api/workflows/${ids[0]}/runs`, {}, key);
    expect(fromApi.status).toBe(429);
  });

  it("refuses a schedule whose runs the input schema would refuse, warns when a new version does, and records its refused minute", async () => {
    const key = await tenant("t_cron_input");
    const withSchema = (inputSchema: object) => ({
      ...echo,
      nodes: echo.nodes.map((n) => (n.type === "start" ? { ...n, config: { inputSchema } } : n)),
    });
    const strict = withSchema({ type: "object", required: ["customer"] });
    const created = await api<{ id: string }>("POST", "/api/workflows", strict, key);
    const id = created.body.id;
    const refused = await api<{
      error: {
        message: string;
        details: { errors: { at: string; code: string; message: string }[] };
      };
    }>("PUT", `/api/workflows/${id}/triggers`, { cron: "0 * * * *" }, key);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.errors).toEqual([
      {
        path: ["cron"],
        at: "cron",
        code: "invalid_input",
        message: expect.stringMatching(/\{ scheduledAt \}.*input: .*"customer"/),
      },
    ]);
    expect(
      (await api<{ cron: null }>("GET", `/api/workflows/${id}/triggers`, undefined, key)).body.cron,
    ).toBeNull();

    // A schema that takes { scheduledAt } gets its schedule; a later version that does not warns.
    const open = withSchema({ type: "object", required: ["scheduledAt"] });
    expect((await api("PUT", `/api/workflows/${id}`, open, key)).status).toBe(200);
    expect(
      (await api("PUT", `/api/workflows/${id}/triggers`, { cron: "0 * * * *" }, key)).status,
    ).toBe(200);
    const saved = await api<{ warnings: { at: string; code: string; message: string }[] }>(
      "PUT",
      `/api/workflows/${id}`,
      strict,
      key,
    );
    expect(saved.status).toBe(200);
    expect(saved.body.warnings).toContainEqual(
      expect.objectContaining({
        at: "nodes[0].config.inputSchema",
        code: "schedule_input_refused",
        message: expect.stringMatching(/cron schedule.*"customer"/),
      }),
    );
    // Its scheduled minute starts nothing and says why.
    await tick("2026-11-26T09:00:00Z");
    expect(await runsOf("t_cron_input")).toBe(0);
    expect(await refusals([id])).toEqual([
      expect.objectContaining({
        key: "cron:2026-11-26T09:00:00.000Z",
        run_id: null,
        error: { code: "invalid_input", message: expect.stringMatching(/"customer"/) },
      }),
    ]);
  });

  it("cron reads triggers in pages, starts every due one, and caps each tenant per invocation", async () => {
    const busy = await tenant("t_cron_busy");
    const calm = await tenant("t_cron_calm");
    const busyIds = await scheduled(busy, 4);
    const calmIds = await scheduled(calm, 2);
    const notDue = await scheduled(calm, 1, "0 0 1 1 *");
    const limits = { AOB_CRON_LIMITS: JSON.stringify({ pageSize: 2, runsPerTenant: 2 }) };
    await tick("2026-11-25T09:01:00Z", limits);
    expect(await runsOf("t_cron_calm")).toBe(2);
    expect(await runsOf("t_cron_busy")).toBe(2);
    const capped = await refusals(busyIds);
    expect(capped.map((r) => r.error.code)).toEqual(["cron_cap", "cron_cap"]);
    expect(capped[0]?.error.message).toMatch(/AOB_CRON_LIMITS.runsPerTenant/);
    expect(await refusals([...calmIds, ...notDue])).toEqual([]);
    const notDueDeliveries = await env.DB.prepare(
      "SELECT count(*) AS n FROM trigger_deliveries WHERE workflow_id = ?",
    )
      .bind(notDue[0])
      .first<{ n: number }>();
    expect(notDueDeliveries?.n).toBe(0);
    // The same minute again changes nothing; the next minute starts two more.
    await tick("2026-11-25T09:01:30Z", limits);
    expect(await runsOf("t_cron_busy")).toBe(2);
    await tick("2026-11-25T09:02:00Z", limits);
    expect(await runsOf("t_cron_busy")).toBe(4);
  });

  it("a webhook is admitted like an API start: over the tenant's rate it answers 429 and starts nothing", async () => {
    const key = await tenant("t_hook_rate");
    const id = (await api<{ id: string }>("POST", "/api/workflows", echo, key)).body.id;
    const set = await api<{ webhookUrl: string }>(
      "PUT",
      `/api/workflows/${id}/triggers`,
      { webhook: true },
      key,
    );
    const url = set.body.webhookUrl.replace(/^https?:\/\/[^/]+/, "https://aob.test");
    const small = { ...env, AOB_RATE_LIMITS: JSON.stringify({ none: 1, windowSeconds: 3600 }) };
    const send = (idempotencyKey: string) =>
      worker.fetch(
        new Request(url, {
          method: "POST",
          headers: { "idempotency-key": idempotencyKey },
          body: JSON.stringify({ n: 1 }),
        }),
        small,
        createExecutionContext(),
      );
    const first = await send("a");
    expect(first.status).toBe(202);
    expect(first.headers.get("ratelimit-limit")).toBe("1");
    const second = await send("b");
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(second.headers.get("ratelimit-remaining")).toBe("0");
    expect(await second.json()).toMatchObject({ error: { code: "rate_limited" } });
    expect(await runsOf("t_hook_rate")).toBe(1);
    // The refused delivery's key is free for the sender's retry.
    const kept = await env.DB.prepare(
      "SELECT key FROM trigger_deliveries WHERE workflow_id = ? ORDER BY key",
    )
      .bind(id)
      .all<{ key: string }>();
    expect(kept.results.map((r) => r.key)).toEqual(["hook:a"]);
  });
});
