import { Hono } from "hono";
import { z } from "zod";
import { forgetKey, hashKey } from "../auth";
import { notFound } from "../errors";
import { newId } from "../ids";
import { requireScope } from "../scopes";
import type { AppEnv } from "../types";
import { jsonBody } from "../validation";

const NewKey = z.strictObject({
  name: z.string().min(1).max(100),
  scopes: z.array(z.enum(["read", "run", "approve", "admin"])).min(1),
});

function generateKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `aob_${btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "")}`;
}

/**
 * API keys of the caller's tenant (admin scope). A key is shown once, at creation; only its
 * SHA-256 is stored. Revocation is immediate in this isolate; other isolates drop their cached
 * copy within 30 s.
 */
export const keyRoutes = new Hono<AppEnv>()
  .use("/keys", requireScope("admin"))
  .use("/keys/*", requireScope("admin"))
  .post("/keys", async (c) => {
    const body = await jsonBody(c, NewKey);
    const key = generateKey();
    const id = newId("key");
    const createdAt = Date.now();
    await c.env.DB.prepare(
      `INSERT INTO api_keys (id, tenant_id, name, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    )
      .bind(
        id,
        c.get("tenantId"),
        body.name,
        await hashKey(key),
        JSON.stringify(body.scopes),
        createdAt,
      )
      .run();
    return c.json({ id, name: body.name, scopes: body.scopes, key, createdAt }, 201);
  })
  .get("/keys", async (c) => {
    const rows = await c.env.DB.prepare(
      `SELECT id, name, scopes, created_at, revoked_at FROM api_keys WHERE tenant_id = ? ORDER BY created_at`,
    )
      .bind(c.get("tenantId"))
      .all<{
        id: string;
        name: string;
        scopes: string;
        created_at: number;
        revoked_at: number | null;
      }>();
    return c.json({
      keys: rows.results.map((r) => ({
        id: r.id,
        name: r.name,
        scopes: JSON.parse(r.scopes) as string[],
        createdAt: r.created_at,
        revokedAt: r.revoked_at,
      })),
    });
  })
  .delete("/keys/:id", async (c) => {
    const row = await c.env.DB.prepare(
      `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL RETURNING key_hash`,
    )
      .bind(Date.now(), c.req.param("id"), c.get("tenantId"))
      .first<{ key_hash: string }>();
    if (!row) throw notFound(`key ${c.req.param("id")}`);
    forgetKey(row.key_hash);
    return c.body(null, 204);
  });
