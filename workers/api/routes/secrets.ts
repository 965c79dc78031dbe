import { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { readAllowedHosts } from "../../../core/secrets/hosts";
import { page } from "../../../core/wire/cursor";
import {
  bindSecret,
  deleteSecret,
  listSecrets,
  putSecret,
  type SecretListing,
} from "../../../db/secrets";
import { forgetSecret } from "../../../platform/secret-cache";
import { encryptSecret } from "../../../platform/secrets";
import { audit } from "../audit";
import { ApiError, notFound } from "../errors";
import * as example from "../examples/secrets";
import { apiRoute, routes } from "../route";
import { errors, json, jsonBody } from "../schemas/error";
import { cursorOf, cursorQuery, limitQuery } from "../schemas/params";
import {
  SecretBindingBody,
  SecretBody,
  SecretList,
  SecretName,
  SecretSaved,
  SecretView,
} from "../schemas/secret";
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

/** The `allowed_hosts` column for a binding: a JSON array, or NULL for an unbound secret. */
const column = (hosts: string[] | null) => (hosts === null ? null : JSON.stringify(hosts));

/** A stored row's binding as the API shows it. */
function binding(allowedHosts: string | null) {
  return { allowedHosts: readAllowedHosts(allowedHosts), bound: allowedHosts !== null };
}

const view = (r: SecretListing) => ({
  name: r.name,
  ...binding(r.allowedHosts),
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

/**
 * Tenant secrets: write-only. Values are encrypted at rest and never returned; node config
 * refers to them as `{{ secrets.NAME }}`, resolved only inside executors. A secret may be
 * bound to hosts (`allowedHosts`, `core/secrets/hosts.ts`); the executors refuse to send it
 * anywhere else. An unbound secret (NULL) may go to any host, and the API says so (`bound`).
 */
export const secretRoutes = routes()
  .openapi(
    apiRoute("edit", {
      method: "get",
      path: "/secrets",
      operationId: "listSecrets",
      summary: "The tenant's secrets and the hosts each may be sent to, never their values",
      tags,
      request: { query: z.object({ limit: limitQuery(100, 500), cursor: cursorQuery(["s"]) }) },
      responses: { 200: json(SecretList, "The secrets", example.secrets), ...errors(400) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const after = cursorOf<[string]>(cursor, ["s"])?.[0];
      const rows = await listSecrets(c.env.DB, {
        tenantId: c.get("tenantId"),
        limit: limit + 1,
        ...(after === undefined ? {} : { after }),
      });
      const { items, nextCursor } = page(rows, limit, (s) => [s.name]);
      return c.json({ secrets: items.map(view), nextCursor }, 200);
    },
  )
  .openapi(
    apiRoute(
      "edit",
      {
        method: "put",
        path: "/secrets/{name}",
        operationId: "setSecret",
        summary:
          "Set a secret (AES-GCM at rest under AOB_SECRETS_KEY), and optionally the hosts it may be sent to",
        tags,
        request: {
          params: Name,
          body: jsonBody(SecretBody, example.setSecret),
        },
        responses: {
          200: json(SecretSaved, "Saved", example.secretSaved),
          ...errors(400, 413),
        },
      },
      [checkName],
    ),
    async (c) => {
      const { name } = c.req.valid("param");
      const { value, allowedHosts } = c.req.valid("json");
      const now = Date.now();
      const ciphertext = await encryptSecret(c.env, c.get("tenantId"), name, value);
      const stored = await putSecret(c.env.DB, {
        tenantId: c.get("tenantId"),
        name,
        ciphertext,
        allowedHosts: column(allowedHosts ?? null),
        // Omitted hosts keep the stored binding, so rotating a value never unbinds it.
        keepHosts: allowedHosts === undefined,
        now,
      });
      forgetSecret(c.get("tenantId"), name);
      await audit(
        c,
        "secret.put",
        { type: "secret", id: name },
        allowedHosts === undefined ? { value: "set" } : { value: "set", allowedHosts },
      );
      return c.json({ name, updatedAt: now, ...binding(stored) }, 200);
    },
  )
  .openapi(
    apiRoute(
      "edit",
      {
        method: "patch",
        path: "/secrets/{name}",
        operationId: "bindSecret",
        summary: "Bind a secret to hosts, or unbind it, without sending its value again",
        tags,
        request: {
          params: Name,
          body: jsonBody(SecretBindingBody, example.bindSecret),
        },
        responses: {
          200: json(SecretView, "The secret", example.secret),
          ...errors(400, 404, 413),
        },
      },
      [checkName],
    ),
    async (c) => {
      const { name } = c.req.valid("param");
      const { allowedHosts } = c.req.valid("json");
      const row = await bindSecret(c.env.DB, {
        tenantId: c.get("tenantId"),
        name,
        allowedHosts: column(allowedHosts),
        now: Date.now(),
      });
      forgetSecret(c.get("tenantId"), name);
      if (!row) throw notFound(`secret ${name}`);
      await audit(c, "secret.put", { type: "secret", id: name }, { allowedHosts });
      return c.json(view(row), 200);
    },
  )
  .openapi(
    apiRoute(
      "edit",
      {
        method: "delete",
        path: "/secrets/{name}",
        operationId: "deleteSecret",
        summary: "Remove a secret",
        tags,
        request: { params: Name },
        responses: { 204: { description: "Removed" }, ...errors(400, 404) },
      },
      [checkName],
    ),
    async (c) => {
      const { name } = c.req.valid("param");
      const deleted = await deleteSecret(c.env.DB, c.get("tenantId"), name);
      forgetSecret(c.get("tenantId"), name);
      if (!deleted) throw notFound(`secret ${name}`);
      await audit(c, "secret.delete", { type: "secret", id: name });
      return c.body(null, 204);
    },
  );
