import { countTenants } from "../../../db/tenants";
import { runObject } from "../../../durable-objects/run/rpc";
import * as example from "../examples/platform";
import { apiRoute, publicRoute, routes } from "../route";
import { json } from "../schemas/error";
import { DeepHealth, Health } from "../schemas/health";

/**
 * How long an isolate reuses a deep check's answer. The check writes and deletes an R2 object,
 * sends a queue message, queries D1 and calls a Durable Object; callers polling it (the status
 * page, a monitor) cost at most one such round of work per isolate per period.
 */
export const DEEP_HEALTH_TTL_MS = 10_000;

type Checks = DeepHealth["checks"];
type Check = Checks["d1"];

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

async function roundTrips(env: Env): Promise<Checks> {
  const probe = `health/${crypto.randomUUID()}`;
  const [d1, r2, queue, durableObject] = await Promise.all([
    timed(async () => {
      if ((await countTenants(env.DB)) === undefined) throw new Error("no row");
    }),
    timed(async () => {
      await env.BLOBS.put(probe, "ok");
      const back = await env.BLOBS.get(probe);
      if ((await back?.text()) !== "ok") throw new Error("read back differs");
      await env.BLOBS.delete(probe);
    }),
    timed(() => env.NODE_WORK.send({ type: "ping", id: probe })),
    timed(async () => {
      const stub = runObject(env, "health");
      const pong = await stub.ping();
      if (pong !== "pong") throw new Error(`unexpected answer ${pong}`);
    }),
  ]);
  return { d1, r2, queue, durableObject };
}

/**
 * The isolate's last deep answer. Only settled results are kept, never a pending promise:
 * workerd does not let one request wait on I/O another request started. Callers that arrive
 * while the first check of a period is still running each run their own.
 */
let last: { at: number; checks: Checks } | undefined;

async function deepChecks(env: Env): Promise<{ at: number; checks: Checks }> {
  if (last && Date.now() - last.at < DEEP_HEALTH_TTL_MS) return last;
  const at = Date.now();
  last = { at, checks: await roundTrips(env) };
  return last;
}

/**
 * GET /api/health: is the Worker up. Public (load balancers, `npm start` and the test setups
 * poll it) and cheap: no binding is touched, so an anonymous caller cannot run up cost.
 */
export const health = routes().openapi(
  publicRoute({
    method: "get",
    path: "/health",
    operationId: "getHealth",
    summary: "Is the Worker up (touches no binding; public)",
    tags: ["platform"],
    responses: { 200: json(Health, "The Worker answers", example.health) },
  }),
  (c) => c.json({ version: c.env.AOB_VERSION, ok: true as const }, 200),
);

/**
 * GET /api/health/deep: one real round trip to each binding, for any API key. The answer is
 * reused by the isolate for `DEEP_HEALTH_TTL_MS` (`cachedAt`, `ageMs` say how old it is).
 */
export const deepHealth = routes().openapi(
  apiRoute("read", {
    method: "get",
    path: "/health/deep",
    operationId: "getDeepHealth",
    summary: "One round trip to D1, R2, the queue and a Durable Object (cached 10 s)",
    tags: ["platform"],
    responses: {
      200: json(DeepHealth, "Every binding answered", example.deepHealth),
      503: json(DeepHealth, "A binding failed; its check says why", example.deepHealthFailed),
    },
  }),
  async (c) => {
    const { at, checks } = await deepChecks(c.env);
    const ok = Object.values(checks).every((x) => x.ok);
    const body = { version: c.env.AOB_VERSION, ok, checks, cachedAt: at, ageMs: Date.now() - at };
    return ok ? c.json(body, 200) : c.json(body, 503);
  },
);
