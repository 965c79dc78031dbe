import { z } from "@hono/zod-openapi";
import { casKey } from "../../../core/cas/hash";
import { tenantRecordedOutput } from "../../../db/node-executions";
import { notFound } from "../errors";
import { apiRoute, routes } from "../route";
import { errors } from "../schemas/error";

const Hash = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex characters (SHA-256)");

/**
 * `GET /api/blobs/:hash`: a content-addressed output. Content is shared across tenants in R2,
 * so access is granted only when one of the caller's runs recorded that hash (D1 history,
 * written when a run ends); anything else is 404, like a blob that does not exist.
 */
export const blobRoutes = routes().openapi(
  apiRoute("read", {
    method: "get",
    path: "/blobs/{hash}",
    summary: "A node output by its content hash (an `outputHash` of one of your runs)",
    tags: ["runs"],
    request: { params: z.object({ hash: Hash }) },
    responses: {
      // Streamed from R2 as stored: the route returns R2's body, not a value it builds.
      200: { description: "The output, as JSON (immutable: cache it)" },
      ...errors(400, 404),
    },
  }),
  async (c) => {
    const { hash } = c.req.valid("param");
    if (!(await tenantRecordedOutput(c.env.DB, c.get("tenantId"), hash)))
      throw notFound(`blob ${hash}`);
    const object = await c.env.BLOBS.get(casKey(hash));
    if (!object) throw notFound(`blob ${hash}`);
    return new Response(object.body, {
      headers: {
        "content-type": "application/json",
        "cache-control": "private, max-age=31536000, immutable",
        etag: `"${hash}"`,
      },
    });
  },
);
