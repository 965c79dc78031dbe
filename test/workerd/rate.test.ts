import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createWorkflow } from "./helpers";
import { TEST_KEY } from "./setup";

const start = (workflowId: string) =>
  SELF.fetch(`https://aob.test/api/workflows/${workflowId}/runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
    body: "{}",
  });

describe("rate limits on run starts", () => {
  // 206 starts and 200 real runs: on two busy cores that is more than the default 15 s.
  it("answers 429 with Retry-After past the tier's limit, and creates no extra run", {
    timeout: 60_000,
  }, async () => {
    const id = await createWorkflow({
      name: "burst",
      nodes: [
        { id: "start", type: "start" },
        { id: "t", type: "transform", config: { expression: "1" } },
      ],
      edges: [{ from: "start", to: "t" }],
    });
    const responses = await Promise.all(Array.from({ length: 206 }, () => start(id)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(200);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    const refused = responses.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("ratelimit-limit")).toBe("200");
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limited" } });
    const accepted = responses.find((r) => r.status === 202)!;
    expect(accepted.headers.get("ratelimit-limit")).toBe("200");
    const runs = await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE workflow_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(runs?.n).toBe(200);
  });

  it("counts every workflow of the tenant's tier in one bucket", async () => {
    // Tiers by agent count are covered by core/limits tests: agent nodes cannot be saved yet.
    const id = await createWorkflow({
      name: "other",
      nodes: [{ id: "start", type: "start" }],
      edges: [],
    });
    const res = await start(id);
    expect(res.status).toBe(429); // the tenant's "none" bucket is empty after the burst above
  });
});
