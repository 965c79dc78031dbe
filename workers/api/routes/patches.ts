import { Hono } from "hono";
import { Patch } from "../../../core/patches";
import type { PatchOutcome } from "../../../durable-objects/run/engine";
import type { PatchRecord } from "../../../durable-objects/run/patches";
import { ApiError, notFound } from "../errors";
import { requireScope } from "../scopes";
import type { AppEnv } from "../types";
import { jsonBody } from "../validation";

async function runStub(c: { env: Env; get(key: "tenantId"): string }, runId: string) {
  const row = await c.env.DB.prepare(`SELECT id FROM runs WHERE id = ? AND tenant_id = ?`)
    .bind(runId, c.get("tenantId"))
    .first();
  if (!row) throw notFound(`run ${runId}`);
  return c.env.RUNS.get(c.env.RUNS.idFromName(runId));
}

/**
 * A run's patches: the list (provenance of every proposal), and a patch proposed by a person.
 * A malformed patch is a 400 and records nothing; a well-formed patch the graph rules, the
 * limits or the run's live state refuse is recorded as rejected and answered 422 with every
 * problem's path; an applied patch is 201.
 */
export const patchRoutes = new Hono<AppEnv>()
  .get("/runs/:id/patches", async (c) => {
    const stub = await runStub(c, c.req.param("id"));
    const patches = (await stub.patchList()) as unknown as PatchRecord[];
    return c.json({ patches });
  })
  .post("/runs/:id/patches", requireScope("run"), async (c) => {
    const body = await jsonBody(c, Patch);
    const stub = await runStub(c, c.req.param("id"));
    const result = (await stub.proposePatch(body, {
      kind: "person",
      by: c.get("keyName"),
      keyId: c.get("keyId"),
    })) as unknown as PatchOutcome;
    if (!result.ok) {
      throw new ApiError(
        result.status,
        result.code === "not_found"
          ? "not_found"
          : result.code === "run_finished"
            ? "run_finished"
            : result.code === "limit_exceeded"
              ? "limit_exceeded"
              : "conflict",
        result.message,
      );
    }
    if (result.patch.status !== "applied") {
      throw new ApiError(
        422,
        "patch_rejected",
        `patch ${result.patch.id} was rejected: ${result.patch.problems?.map((p) => `${p.at}: ${p.message}`).join("; ")}`,
        { patch: result.patch, errors: result.patch.problems ?? [] },
      );
    }
    return c.json(result.patch, 201);
  });
