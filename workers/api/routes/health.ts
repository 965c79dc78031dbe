import { Hono } from "hono";
import type { AppEnv } from "../types";

type Check = { ok: true; ms: number } | { ok: false; ms: number; error: string };

async function timed(fn: () => Promise<unknown>): Promise<Check> {
  const t0 = Date.now();
  try {
    await fn();
    return { ok: true, ms: Date.now() - t0 };
  } catch (err) {
    return {
      ok: false,
      ms: Date.now() - t0,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

/**
 * GET /api/health: one real round trip to each binding. Unauthenticated on purpose (load
 * balancers and `npm start` poll it); it reveals no tenant data.
 */
export const health = new Hono<AppEnv>().get("/health", async (c) => {
  const env = c.env;
  const probe = `health/${crypto.randomUUID()}`;
  const [d1, r2, queue, durableObject] = await Promise.all([
    timed(async () => {
      const row = await env.DB.prepare("SELECT count(*) AS n FROM tenants").first<{ n: number }>();
      if (!row) throw new Error("no row");
    }),
    timed(async () => {
      await env.BLOBS.put(probe, "ok");
      const back = await env.BLOBS.get(probe);
      if ((await back?.text()) !== "ok") throw new Error("read back differs");
      await env.BLOBS.delete(probe);
    }),
    timed(() => env.NODE_WORK.send({ type: "ping", id: probe })),
    timed(async () => {
      const stub = env.RUNS.get(env.RUNS.idFromName("health"));
      const pong = await stub.ping();
      if (pong !== "pong") throw new Error(`unexpected answer ${pong}`);
    }),
  ]);
  const checks = { d1, r2, queue, durableObject };
  const ok = Object.values(checks).every((x) => x.ok);
  return c.json({ version: env.AOB_VERSION, ok, checks }, ok ? 200 : 503);
});
