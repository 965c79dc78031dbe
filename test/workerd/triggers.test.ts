import { createExecutionContext, createScheduledController, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { api, createWorkflow, waitForRun } from "./helpers";

const echo = {
  name: "echo",
  nodes: [
    { id: "start", type: "start" },
    { id: "done", type: "end", config: { output: "{{ input }}" } },
  ],
  edges: [{ from: "start", to: "done" }],
};

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
    expect(read.body).toEqual({ workflowId: id, webhook: true, cron: null });
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
});
