import { z } from "@hono/zod-openapi";
import { revokeKey } from "../../../db/sessions";
import { audit } from "../audit";
import { forgetKey } from "../auth";
import { notFound } from "../errors";
import * as example from "../examples/people";
import { apiRoute, routes } from "../route";
import { closeKeySockets } from "../run-socket";
import { errors, json, jsonBody } from "../schemas/error";
import { KeyCreated, KeyList, NewKey } from "../schemas/key";
import { cursorQuery, IdParam, limitQuery } from "../schemas/params";
import { keyPage, mintKey } from "../services/keys";

const tags = ["keys"];

/**
 * API keys of the caller's tenant (admin scope). A key is shown once, at creation; only its
 * SHA-256 is stored. Revocation ends the key's sessions and closes its WebSockets at once; as
 * a bearer key it is refused at once in this isolate, and other isolates drop their cached
 * copy within 30 s.
 */
export const keyRoutes = routes()
  .openapi(
    apiRoute("admin", {
      method: "post",
      path: "/keys",
      operationId: "createKey",
      summary: "Create an API key for the caller's own user (shown this once)",
      description:
        "The key acts as the caller's user, with at most the scopes the user's roles grant (a wider scope is refused at `scopes[i]`). To make a key for another user: `POST /api/users/{id}/keys`.",
      tags,
      request: { body: jsonBody(NewKey, example.newKey) },
      responses: {
        201: json(KeyCreated, "The key, with its secret", example.keyCreated),
        ...errors(400, 413),
      },
    }),
    async (c) => {
      const me = { id: c.get("userId"), name: c.get("userName"), roles: c.get("roles") };
      return c.json(await mintKey(c, me, c.req.valid("json")), 201);
    },
  )
  .openapi(
    apiRoute("admin", {
      method: "get",
      path: "/keys",
      operationId: "listKeys",
      summary: "The tenant's keys, never their secrets",
      tags,
      request: {
        query: z.object({ limit: limitQuery(100, 500), cursor: cursorQuery(["n", "s"]) }),
      },
      responses: { 200: json(KeyList, "The keys", example.keys), ...errors(400) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(await keyPage(c, { limit, cursor }), 200);
    },
  )
  .openapi(
    apiRoute("admin", {
      method: "delete",
      path: "/keys/{id}",
      operationId: "revokeKey",
      summary: "Revoke a key: its sessions and sockets end now",
      description:
        "Marks the key revoked, deletes its browser sessions and closes its open run WebSockets (code 4401) before answering. As a bearer key it is refused at once by this isolate; other isolates forget a cached key within 30 s. Revoking a revoked key again answers 204 (and closes any socket an earlier attempt could not reach).",
      tags,
      request: { params: z.object({ id: IdParam }) },
      responses: { 204: { description: "Revoked" }, ...errors(404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const revoked = await revokeKey(c.env.DB, {
        tenantId: c.get("tenantId"),
        keyId: id,
        now: Date.now(),
      });
      if (!revoked) throw notFound(`key ${id}`);
      forgetKey(revoked.keyHash);
      await closeKeySockets(c.env, id, revoked.runIds);
      await audit(c, "key.revoke", { type: "key", id });
      return c.body(null, 204);
    },
  );
