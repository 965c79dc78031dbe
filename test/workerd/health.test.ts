import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../workers/api/app";
import { api } from "./helpers";

type DeepHealth = {
  version: string;
  ok: boolean;
  checks: Record<string, { ok: boolean; ms: number; error?: string }>;
  cachedAt: number;
  ageMs: number;
};

describe("GET /api/health (public)", () => {
  it("answers without a key, and without touching a binding", async () => {
    const res = await SELF.fetch("https://aob.test/api/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ version: env.AOB_VERSION, ok: true });
    // The same app with no D1, R2, queue or Durable Object bound still answers: nothing an
    // anonymous caller sends here can cost a binding round trip.
    const bare = await app.request("/api/health", {}, { AOB_VERSION: env.AOB_VERSION });
    expect(bare.status).toBe(200);
    expect(await bare.json()).toEqual({ version: env.AOB_VERSION, ok: true });
  });

  it("refuses every other API route without a key", async () => {
    const res = await SELF.fetch("https://aob.test/api/workflows");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});

describe("GET /api/health/deep (any key)", () => {
  it("needs a key", async () => {
    const res = await SELF.fetch("https://aob.test/api/health/deep");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("makes a real round trip to D1, R2, the queue and a Durable Object, then reuses it", async () => {
    const first = await api<DeepHealth>("GET", "/api/health/deep");
    expect(first.status).toBe(200);
    expect(first.body.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(first.body.checks).sort()).toEqual(["d1", "durableObject", "queue", "r2"]);
    for (const [name, check] of Object.entries(first.body.checks)) {
      expect(check, name).toMatchObject({ ok: true });
    }
    // Within the 10 s window the isolate answers from its cache: the same checks, older.
    const second = await api<DeepHealth>("GET", "/api/health/deep");
    expect(second.status).toBe(200);
    expect(second.body.cachedAt).toBe(first.body.cachedAt);
    expect(second.body.checks).toEqual(first.body.checks);
    expect(second.body.ageMs).toBeGreaterThanOrEqual(first.body.ageMs);
    expect(second.body.ageMs).toBeLessThan(10_000);
  });
});
