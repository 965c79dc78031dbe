import { Hono } from "hono";
import { z } from "zod";
import { encryptSecret } from "../../platform/secrets";
import { ApiError, notFound } from "../errors";
import { requireScope } from "../scopes";
import type { AppEnv } from "../types";
import { jsonBody } from "../validation";

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const SecretBody = z.strictObject({ value: z.string().min(1).max(16_384) });

function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw new ApiError(
      400,
      "validation_failed",
      "a secret name is letters, digits and _, not starting with a digit",
      {
        errors: [
          {
            path: ["name"],
            at: "name",
            code: "invalid_name",
            message: "must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$",
          },
        ],
      },
    );
  }
  return name;
}

/**
 * Tenant secrets: write-only. Values are encrypted at rest and never returned; node config
 * refers to them as `{{ secrets.NAME }}`, resolved only inside executors.
 */
export const secretRoutes = new Hono<AppEnv>()
  .use("/secrets", requireScope("admin"))
  .use("/secrets/*", requireScope("admin"))
  .get("/secrets", async (c) => {
    const rows = await c.env.DB.prepare(
      `SELECT name, created_at, updated_at FROM secrets WHERE tenant_id = ? ORDER BY name`,
    )
      .bind(c.get("tenantId"))
      .all<{ name: string; created_at: number; updated_at: number }>();
    return c.json({
      secrets: rows.results.map((r) => ({
        name: r.name,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      })),
    });
  })
  .put("/secrets/:name", async (c) => {
    const name = checkName(c.req.param("name"));
    const { value } = await jsonBody(c, SecretBody);
    const now = Date.now();
    const ciphertext = await encryptSecret(c.env, c.get("tenantId"), name, value);
    await c.env.DB.prepare(
      `INSERT INTO secrets (tenant_id, name, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
    )
      .bind(c.get("tenantId"), name, ciphertext, now, now)
      .run();
    return c.json({ name, updatedAt: now });
  })
  .delete("/secrets/:name", async (c) => {
    const name = checkName(c.req.param("name"));
    const res = await c.env.DB.prepare(`DELETE FROM secrets WHERE tenant_id = ? AND name = ?`)
      .bind(c.get("tenantId"), name)
      .run();
    if (res.meta.changes === 0) throw notFound(`secret ${name}`);
    return c.body(null, 204);
  });
