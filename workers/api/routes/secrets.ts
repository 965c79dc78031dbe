import { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { encryptSecret } from "../../platform/secrets";
import { ApiError, notFound } from "../errors";
import { apiRoute, routes } from "../route";
import { errors, json } from "../schemas/error";
import { SecretBody, SecretList, SecretName, SecretSaved } from "../schemas/secret";
import type { AppEnv } from "../types";
import { zodIssueViews } from "../validation";

const Name = z.object({ name: SecretName });

/** A bad name is a mistake in what the client creates: reported like a body's, before it. */
const checkName = createMiddleware<AppEnv>(async (c, next) => {
  const name = SecretName.safeParse(c.req.param("name"));
  if (!name.success) {
    throw new ApiError(
      400,
      "validation_failed",
      "a secret name is letters, digits and _, not starting with a digit",
      {
        errors: zodIssueViews(name.error, "invalid_name").map((i) => ({
          ...i,
          path: ["name"],
          at: "name",
        })),
      },
    );
  }
  await next();
});
const tags = ["secrets"];

/**
 * Tenant secrets: write-only. Values are encrypted at rest and never returned; node config
 * refers to them as `{{ secrets.NAME }}`, resolved only inside executors.
 */
export const secretRoutes = routes()
  .openapi(
    apiRoute("admin", {
      method: "get",
      path: "/secrets",
      summary: "The tenant's secret names, never their values",
      tags,
      responses: { 200: json(SecretList, "The secrets") },
    }),
    async (c) => {
      const rows = await c.env.DB.prepare(
        `SELECT name, created_at, updated_at FROM secrets WHERE tenant_id = ? ORDER BY name`,
      )
        .bind(c.get("tenantId"))
        .all<{ name: string; created_at: number; updated_at: number }>();
      return c.json(
        {
          secrets: rows.results.map((r) => ({
            name: r.name,
            createdAt: r.created_at,
            updatedAt: r.updated_at,
          })),
        },
        200,
      );
    },
  )
  .openapi(
    apiRoute(
      "admin",
      {
        method: "put",
        path: "/secrets/{name}",
        summary: "Set a secret (AES-GCM at rest under AOB_SECRETS_KEY)",
        tags,
        request: {
          params: Name,
          body: { required: true, content: { "application/json": { schema: SecretBody } } },
        },
        responses: { 200: json(SecretSaved, "Saved"), ...errors(400, 413) },
      },
      [checkName],
    ),
    async (c) => {
      const { name } = c.req.valid("param");
      const { value } = c.req.valid("json");
      const now = Date.now();
      const ciphertext = await encryptSecret(c.env, c.get("tenantId"), name, value);
      await c.env.DB.prepare(
        `INSERT INTO secrets (tenant_id, name, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      )
        .bind(c.get("tenantId"), name, ciphertext, now, now)
        .run();
      return c.json({ name, updatedAt: now }, 200);
    },
  )
  .openapi(
    apiRoute(
      "admin",
      {
        method: "delete",
        path: "/secrets/{name}",
        summary: "Remove a secret",
        tags,
        request: { params: Name },
        responses: { 204: { description: "Removed" }, ...errors(400, 404) },
      },
      [checkName],
    ),
    async (c) => {
      const { name } = c.req.valid("param");
      const res = await c.env.DB.prepare(`DELETE FROM secrets WHERE tenant_id = ? AND name = ?`)
        .bind(c.get("tenantId"), name)
        .run();
      if (res.meta.changes === 0) throw notFound(`secret ${name}`);
      return c.body(null, 204);
    },
  );
