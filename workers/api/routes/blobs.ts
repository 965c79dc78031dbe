import { z } from "@hono/zod-openapi";
import { byteRange, contentRange } from "../../../core/wire/byte-range";
import { tenantBlob } from "../../../db/blobs";
import { notFound } from "../errors";
import { apiRoute, routes } from "../route";
import { type ErrorBody, errors } from "../schemas/error";

const Hash = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex characters (SHA-256)");

/** Where a tenant's blob lives, or null when the tenant holds no such hash. */
async function locate(
  db: D1Database,
  tenantId: string,
  hash: string,
): Promise<{ key: string; contentType: string } | null> {
  // Outputs of runs projected before blobs were recorded got theirs in migration 0011.
  return tenantBlob(db, tenantId, hash);
}

/** 416 with the blob's size; an error, so neither cached nor tagged as the blob. */
function refuseRange(message: string, size: number, headers: Headers): Response {
  headers.set("content-range", contentRange({ kind: "unsatisfiable" }, size));
  headers.set("content-type", "application/json");
  headers.delete("cache-control");
  headers.delete("etag");
  const body: ErrorBody = {
    error: { code: "range_not_satisfiable", message: `${message} (${size} bytes)` },
  };
  return new Response(JSON.stringify(body), { status: 416, headers });
}

const Served = z.object({
  "content-type": z.string().openapi({ description: "As the blob was recorded" }),
  "content-length": z.string(),
  "accept-ranges": z.literal("bytes"),
  etag: z.string().openapi({ description: "The hash, quoted" }),
});

/**
 * `GET /api/blobs/:hash` (and HEAD): a blob of the tenant's, served from R2 with its content
 * type, from the moment its output was accepted (`blobs`, db/blobs.ts), or an output of an
 * older run at its content address. R2 content is shared across tenants, so anything the
 * tenant holds no record of is 404, exactly like a blob that does not exist. One byte range
 * (`Range: bytes=a-b`, `a-`, `-n`) answers 206 from R2's range read.
 *
 * Bytes that arrived at run time are served on the app's origin, where the session cookie
 * works: `nosniff` and a sandboxing CSP keep an HTML or SVG blob from running as the app.
 */
export const blobRoutes = routes().openapi(
  apiRoute("read", {
    method: "get",
    path: "/blobs/{hash}",
    operationId: "getBlob",
    summary: "A blob: a node output or response body by its hash (HEAD and single ranges too)",
    description:
      "Served as soon as its output is accepted, with the content type it was recorded with (`application/json` for an output). `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` answers 206 with `Content-Range`; several ranges or a malformed one answer the whole blob. `HEAD` answers the headers only.",
    tags: ["runs"],
    request: { params: z.object({ hash: Hash }) },
    responses: {
      // Streamed from R2 as stored: the route returns R2's body, not a value it builds.
      200: { description: "The whole blob (immutable: cache it)", headers: Served },
      206: {
        description: "The requested range",
        headers: Served.extend({
          "content-range": z.string().openapi({ example: "bytes 0-1023/20971520" }),
        }),
      },
      304: { description: "`If-None-Match` names this blob's ETag" },
      ...errors(400, 404, 416),
    },
  }),
  async (c) => {
    const { hash } = c.req.valid("param");
    const missing = () => notFound(`blob ${hash}`);
    const blob = await locate(c.env.DB, c.get("tenantId"), hash);
    if (!blob) throw missing();
    const etag = `"${hash}"`;
    const headers = new Headers({
      "content-type": blob.contentType,
      "accept-ranges": "bytes",
      etag,
      "cache-control": "private, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
    });
    if (
      c.req
        .header("if-none-match")
        ?.split(/\s*,\s*/)
        .includes(etag)
    ) {
      return new Response(null, { status: 304, headers });
    }
    if (c.req.method === "HEAD") {
      const head = await c.env.BLOBS.head(blob.key);
      if (!head) throw missing();
      headers.set("content-length", String(head.size));
      return new Response(null, { headers });
    }
    // A range applies while `If-Range` (if sent) still names this blob; else the whole blob.
    const ifRange = c.req.header("if-range");
    const asked = ifRange === undefined || ifRange === etag ? c.req.header("range") : undefined;
    if (asked !== undefined) {
      const head = await c.env.BLOBS.head(blob.key);
      if (!head) throw missing();
      const range = byteRange(asked, head.size);
      if (range.kind === "unsatisfiable") {
        return refuseRange(`${asked} starts past the end of blob ${hash}`, head.size, headers);
      }
      if (range.kind === "range") {
        const part = await c.env.BLOBS.get(blob.key, {
          range: { offset: range.offset, length: range.length },
        });
        if (!part) throw missing();
        headers.set("content-range", contentRange(range, head.size));
        headers.set("content-length", String(range.length));
        return new Response(part.body, { status: 206, headers });
      }
    }
    const object = await c.env.BLOBS.get(blob.key);
    if (!object) throw missing();
    headers.set("content-length", String(object.size));
    return new Response(object.body, { headers });
  },
);
