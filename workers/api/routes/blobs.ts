import { Hono } from "hono";
import { casKey } from "../../../core/cas/hash";
import { ApiError, notFound } from "../errors";
import type { AppEnv } from "../types";

/**
 * `GET /api/blobs/:hash`: a content-addressed output. Content is shared across tenants in R2,
 * so access is granted only when one of the caller's runs recorded that hash (D1 history,
 * written when a run ends); anything else is 404, like a blob that does not exist.
 */
export const blobRoutes = new Hono<AppEnv>().get("/blobs/:hash", async (c) => {
  const hash = c.req.param("hash");
  if (!/^[0-9a-f]{64}$/.test(hash))
    throw new ApiError(400, "bad_request", "a blob hash is 64 hex characters (SHA-256)");
  const owned = await c.env.DB.prepare(
    `SELECT 1 AS ok FROM node_executions ne JOIN runs r ON r.id = ne.run_id
     WHERE ne.output_hash = ? AND r.tenant_id = ? LIMIT 1`,
  )
    .bind(hash, c.get("tenantId"))
    .first();
  if (!owned) throw notFound(`blob ${hash}`);
  const object = await c.env.BLOBS.get(casKey(hash));
  if (!object) throw notFound(`blob ${hash}`);
  return new Response(object.body, {
    headers: {
      "content-type": "application/json",
      "cache-control": "private, max-age=31536000, immutable",
      etag: `"${hash}"`,
    },
  });
});
