import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { page } from "../../../core/wire/cursor";
import {
  countAdmins,
  deleteUser,
  findUser,
  findUserByEmail,
  insertUser,
  listUsers,
  type UserRow,
  updateUser,
} from "../../../db/users";
import { audit } from "../audit";
import { forgetKey, forgetUserKeys } from "../auth";
import { ApiError, notFound } from "../errors";
import * as example from "../examples/people";
import { newId } from "../ids";
import { apiRoute, routes } from "../route";
import { closeKeySockets } from "../run-socket";
import { errors, json, jsonBody } from "../schemas/error";
import { KeyCreated, KeyList, NewKey } from "../schemas/key";
import { cursorOf, cursorQuery, IdParam, limitQuery } from "../schemas/params";
import { NewUser, User, UserChange, UserList } from "../schemas/user";
import { keyPage, mintKey } from "../services/keys";
import type { AppEnv } from "../types";

const tags = ["users"];
const Id = z.object({ id: IdParam });

function view(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    roles: row.roles,
    createdAt: row.createdAt,
    deletedAt: row.deletedAt,
  };
}

async function requireUser(c: Context<AppEnv>, id: string, live = false): Promise<UserRow> {
  const user = await findUser(c.env.DB, c.get("tenantId"), id);
  if (!user || (live && user.deletedAt !== null)) throw notFound(`user ${id}`);
  return user;
}

/** 409 when another live user of the tenant has this email. */
async function requireFreeEmail(c: Context<AppEnv>, email: string, self?: string) {
  const other = await findUserByEmail(c.env.DB, c.get("tenantId"), email);
  if (other && other.id !== self) {
    throw new ApiError(409, "conflict", `${email} is already the email of user ${other.id}`);
  }
}

/** 409 `last_admin` when `user` is the tenant's only admin and would stop being one. */
async function keepAnAdmin(c: Context<AppEnv>, user: UserRow, what: string) {
  if (!user.roles.includes("admin")) return;
  if ((await countAdmins(c.env.DB, c.get("tenantId"))) > 1) return;
  throw new ApiError(
    409,
    "last_admin",
    `${user.name} is the tenant's only admin: ${what} would leave it without one (make another user admin first)`,
  );
}

/**
 * The people of a tenant (docs/PEOPLE.md): admins add, change and delete users and make keys
 * for them; anyone may list them (an approval names its approvers by id or email).
 */
export const userRoutes = routes()
  .openapi(
    apiRoute("admin", {
      method: "post",
      path: "/users",
      operationId: "createUser",
      summary: "Add a user to the tenant",
      tags,
      request: { body: jsonBody(NewUser, example.newUser) },
      responses: { 201: json(User, "The user", example.user), ...errors(400, 409, 413) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      if (body.email !== undefined) await requireFreeEmail(c, body.email);
      const user: UserRow = {
        id: newId("usr"),
        tenantId: c.get("tenantId"),
        name: body.name,
        email: body.email ?? null,
        roles: body.roles,
        createdAt: Date.now(),
        deletedAt: null,
      };
      await insertUser(c.env.DB, user);
      await audit(
        c,
        "user.create",
        { type: "user", id: user.id },
        {
          name: user.name,
          email: user.email,
          roles: user.roles,
        },
      );
      return c.json(view(user), 201);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/users",
      operationId: "listUsers",
      summary: "The tenant's users, oldest first (deleted ones with `deletedAt`)",
      tags,
      request: {
        query: z.object({ limit: limitQuery(100, 500), cursor: cursorQuery(["n", "s"]) }),
      },
      responses: { 200: json(UserList, "The users", example.users), ...errors(400) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const rows = await listUsers(c.env.DB, {
        tenantId: c.get("tenantId"),
        limit: limit + 1,
        after: cursorOf<[number, string]>(cursor, ["n", "s"]),
      });
      const { items, nextCursor } = page(rows, limit, (u) => [u.createdAt, u.id]);
      return c.json({ users: items.map(view), nextCursor }, 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/users/{id}",
      operationId: "getUser",
      summary: "One user",
      tags,
      request: { params: Id },
      responses: { 200: json(User, "The user", example.user), ...errors(404) },
    }),
    async (c) => c.json(view(await requireUser(c, c.req.valid("param").id)), 200),
  )
  .openapi(
    apiRoute("admin", {
      method: "patch",
      path: "/users/{id}",
      operationId: "updateUser",
      summary: "Change a user's name, email or roles",
      description:
        "New roles narrow or widen every key and session of the user at once (a bearer key cached by another isolate within 30 s). Taking `admin` from the tenant's only admin is refused with 409 `last_admin`.",
      tags,
      request: {
        params: Id,
        body: jsonBody(UserChange, example.userChange),
      },
      responses: {
        200: json(User, "The user, changed", example.changedUser),
        ...errors(400, 404, 409, 413),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const change = c.req.valid("json");
      const user = await requireUser(c, id, true);
      if (change.roles && !change.roles.includes("admin")) await keepAnAdmin(c, user, "this");
      if (change.email) await requireFreeEmail(c, change.email, id);
      const next = {
        name: change.name ?? user.name,
        email: change.email === undefined ? user.email : change.email,
        roles: change.roles ?? user.roles,
      };
      if (!(await updateUser(c.env.DB, c.get("tenantId"), id, next))) throw notFound(`user ${id}`);
      forgetUserKeys(id);
      await audit(c, "user.update", { type: "user", id }, { ...change });
      return c.json(view({ ...user, ...next }), 200);
    },
  )
  .openapi(
    apiRoute("admin", {
      method: "delete",
      path: "/users/{id}",
      operationId: "deleteUser",
      summary: "Delete a user: their keys are revoked, their sessions and sockets end",
      description:
        "The user stays listed with `deletedAt` (their votes and audit entries keep their name). Deleting the tenant's only admin is refused with 409 `last_admin`.",
      tags,
      request: { params: Id },
      responses: { 204: { description: "Deleted" }, ...errors(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const user = await requireUser(c, id, true);
      await keepAnAdmin(c, user, "deleting them");
      const revoked = await deleteUser(c.env.DB, c.get("tenantId"), id, Date.now());
      if (!revoked) throw notFound(`user ${id}`);
      for (const key of revoked) {
        forgetKey(key.keyHash);
        await closeKeySockets(c.env, key.keyId, key.runIds);
      }
      await audit(
        c,
        "user.delete",
        { type: "user", id },
        {
          name: user.name,
          keysRevoked: revoked.length,
        },
      );
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("admin", {
      method: "post",
      path: "/users/{id}/keys",
      operationId: "createUserKey",
      summary: "Make an API key for a user (shown this once)",
      description:
        "The key acts as the user, with at most the scopes the user's roles grant: a wider scope is refused with 400 at `scopes[i]`.",
      tags,
      request: {
        params: Id,
        body: jsonBody(NewKey, example.newKey),
      },
      responses: {
        201: json(KeyCreated, "The key, with its secret", example.keyCreated),
        ...errors(400, 404, 413),
      },
    }),
    async (c) => {
      const user = await requireUser(c, c.req.valid("param").id, true);
      return c.json(await mintKey(c, user, c.req.valid("json")), 201);
    },
  )
  .openapi(
    apiRoute("admin", {
      method: "get",
      path: "/users/{id}/keys",
      operationId: "listUserKeys",
      summary: "A user's keys, never their secrets",
      tags,
      request: {
        params: Id,
        query: z.object({ limit: limitQuery(100, 500), cursor: cursorQuery(["n", "s"]) }),
      },
      responses: { 200: json(KeyList, "The keys", example.keys), ...errors(400, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireUser(c, id);
      const { limit, cursor } = c.req.valid("query");
      return c.json(await keyPage(c, { userId: id, limit, cursor }), 200);
    },
  );
