import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("GET /api/health", () => {
  it("answers with a real round trip to D1, R2, the queue and a Durable Object", async () => {
    const res = await SELF.fetch("https://aob.test/api/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      version: string;
      checks: Record<string, { ok: boolean; ms: number; error?: string }>;
    };
    expect(body.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(body.checks).sort()).toEqual(["d1", "durableObject", "queue", "r2"]);
    for (const [name, check] of Object.entries(body.checks)) {
      expect(check, name).toMatchObject({ ok: true });
    }
  });

  it("refuses every other API route without a key", async () => {
    const res = await SELF.fetch("https://aob.test/api/workflows");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});
