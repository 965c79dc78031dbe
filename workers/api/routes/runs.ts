import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import { runs } from "../../../db/schema";
import type { RunView } from "../../../durable-objects/run/snapshot";
import { ApiError, notFound } from "../errors";
import { admitRun } from "../rate-limit";
import type { AppEnv } from "../types";
import { intQuery, jsonBody } from "../validation";
import { startRun } from "./start-run";
import { loadVersion } from "./workflows";

const ReplayBody = z.strictObject({
  /** The node to execute again; every node upstream of it reuses its recorded output. */
  fromNode: z.string().min(1).max(63),
  /** A new run input; the source run's input when left out. */
  input: z.unknown().optional(),
});

const STATUSES = ["running", "waiting", "completed", "failed", "cancelled"] as const;
type Status = (typeof STATUSES)[number];

/** The run's stub, after checking in D1 that it belongs to the caller's tenant (else 404). */
async function runStub(env: Env, tenantId: string, runId: string) {
  const row = await env.DB.prepare(`SELECT id FROM runs WHERE id = ? AND tenant_id = ?`)
    .bind(runId, tenantId)
    .first();
  if (!row) throw notFound(`run ${runId}`);
  return env.RUNS.get(env.RUNS.idFromName(runId));
}

export const runRoutes = new Hono<AppEnv>()
  .get("/runs", async (c) => {
    const limit = intQuery(c, "limit", 50, 1, 500);
    const status = c.req.query("status");
    if (status !== undefined && !STATUSES.includes(status as Status)) {
      throw new ApiError(400, "bad_request", `status must be one of ${STATUSES.join(", ")}`);
    }
    const workflowId = c.req.query("workflowId");
    const filters = [eq(runs.tenantId, c.get("tenantId"))];
    if (status) filters.push(eq(runs.status, status as Status));
    if (workflowId) filters.push(eq(runs.workflowId, workflowId));
    const rows = await drizzle(c.env.DB)
      .select()
      .from(runs)
      .where(and(...filters))
      .orderBy(desc(runs.createdAt))
      .limit(limit)
      .all();
    return c.json({
      runs: rows.map(({ tenantId: _t, error, ...r }) => ({
        ...r,
        error: error ? (JSON.parse(error) as unknown) : null,
      })),
    });
  })
  .get("/runs/:id", async (c) => {
    const stub = await runStub(c.env, c.get("tenantId"), c.req.param("id"));
    const view = (await stub.get()) as RunView | null;
    if (!view) throw notFound(`run ${c.req.param("id")}`);
    return c.json(view);
  })
  .get("/runs/:id/events", async (c) => {
    const stub = await runStub(c.env, c.get("tenantId"), c.req.param("id"));
    const after = intQuery(c, "after", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intQuery(c, "limit", 1000, 1, 5000);
    return c.json({ events: await stub.events(after, limit) });
  })
  .get("/runs/:id/ws", async (c) => {
    if (c.req.header("upgrade") !== "websocket") {
      throw new ApiError(426, "bad_request", "this endpoint needs a WebSocket upgrade");
    }
    const stub = await runStub(c.env, c.get("tenantId"), c.req.param("id"));
    const after = intQuery(c, "after", 0, 0, Number.MAX_SAFE_INTEGER);
    return stub.fetch(
      new Request(`https://run/ws?after=${after}`, { headers: { upgrade: "websocket" } }),
    );
  })
  .post("/runs/:id/replay", async (c) => {
    const body = await jsonBody(c, ReplayBody);
    const sourceId = c.req.param("id");
    const stub = await runStub(c.env, c.get("tenantId"), sourceId);
    const source = (await stub.get()) as RunView | null;
    if (!source) throw notFound(`run ${sourceId}`);
    if (source.status === "running" || source.status === "waiting") {
      throw new ApiError(
        409,
        "conflict",
        `run ${sourceId} is still ${source.status}; replay it once it has ended`,
      );
    }
    const v = await loadVersion(c.env, c.get("tenantId"), source.workflowId, source.version);
    await admitRun(c, v.definition);
    const sourceInput = body.input === undefined ? await stub.input() : body.input;
    const runId = await startRun(
      c.env,
      c.get("tenantId"),
      source.workflowId,
      source.version,
      v.definition,
      sourceInput,
      {
        sourceRunId: sourceId,
        fromNode: body.fromNode,
        stub,
      },
    );
    return c.json({ runId, replayOf: { sourceRunId: sourceId, fromNode: body.fromNode } }, 202);
  })
  .get("/runs/:a/diff/:b", async (c) => {
    const [a, b] = await Promise.all(
      [c.req.param("a"), c.req.param("b")].map(async (id) => {
        const view = (await (await runStub(c.env, c.get("tenantId"), id)).get()) as RunView | null;
        if (!view) throw notFound(`run ${id}`);
        return view;
      }),
    );
    const side = (n: RunView["nodes"][number] | undefined) =>
      n
        ? {
            status: n.status,
            attempt: n.attempt,
            outputHash: n.outputHash ?? null,
            durationMs:
              n.startedAt !== undefined && n.finishedAt !== undefined
                ? n.finishedAt - n.startedAt
                : null,
            tokens: n.usage ? n.usage.promptTokens + n.usage.completionTokens : 0,
            costUsd: n.usage ? n.usage.costUsd : 0,
          }
        : null;
    const total = (v: RunView) => v.usage.promptTokens + v.usage.completionTokens;
    const ids = [...new Set([...a!.nodes.map((n) => n.id), ...b!.nodes.map((n) => n.id)])];
    return c.json({
      a: { id: a!.id, status: a!.status, version: a!.version, tokens: total(a!) },
      b: { id: b!.id, status: b!.status, version: b!.version, tokens: total(b!) },
      nodes: ids.map((id) => {
        const x = side(a!.nodes.find((n) => n.id === id));
        const y = side(b!.nodes.find((n) => n.id === id));
        return {
          id,
          a: x,
          b: y,
          sameStatus: x?.status === y?.status,
          sameOutput:
            x !== null && y !== null && x.outputHash !== null && x.outputHash === y.outputHash,
        };
      }),
    });
  })
  .post("/runs/:id/cancel", async (c) => {
    const stub = await runStub(c.env, c.get("tenantId"), c.req.param("id"));
    const before = (await stub.get()) as RunView | null;
    if (!before) throw notFound(`run ${c.req.param("id")}`);
    if (
      before.status === "completed" ||
      before.status === "failed" ||
      before.status === "cancelled"
    ) {
      throw new ApiError(409, "conflict", `run ${before.id} has already ended (${before.status})`);
    }
    return c.json(await stub.cancel("cancelled through the API"));
  });
