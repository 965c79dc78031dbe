import { publicRoute, routes } from "../route";
import { json } from "../schemas/error";
import { Health } from "../schemas/health";

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
export const health = routes().openapi(
  publicRoute({
    method: "get",
    path: "/health",
    summary: "One round trip to D1, R2, the queue and a Durable Object",
    tags: ["platform"],
    responses: {
      200: json(Health, "Every binding answered"),
      503: json(Health, "A binding failed; its check says why"),
    },
  }),
  async (c) => {
    const env = c.env;
    const probe = `health/${crypto.randomUUID()}`;
    const [d1, r2, queue, durableObject] = await Promise.all([
      timed(async () => {
        const row = await env.DB.prepare("SELECT count(*) AS n FROM tenants").first<{
          n: number;
        }>();
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
    const body = { version: env.AOB_VERSION, ok, checks };
    return ok ? c.json(body, 200) : c.json(body, 503);
  },
);
