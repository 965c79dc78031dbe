import type { z } from "@hono/zod-openapi";
import type { AuditPage } from "../schemas/audit";
import type { ApiKey, KeyCreated, KeyList, NewKey } from "../schemas/key";
import type { NewSession, SessionInfo } from "../schemas/session";
import type { NewUser, User, UserChange, UserList } from "../schemas/user";
import { T0, WORKFLOW_ID } from "./ids";

type Out<T extends z.ZodType> = z.output<T>;

const USER_ID = "usr_0mx8t9k2a1b7";
const KEY_ID = "key_0mx8t9r2c4d1";

export const newSession: z.input<typeof NewSession> = { key: "aob_Zk3pQ2R8s0vW1xY4tU6nM9bC" };

export const session: Out<typeof SessionInfo> = {
  keyId: KEY_ID,
  keyName: "laptop",
  tenantId: "acme",
  user: { id: USER_ID, name: "Ada Lovelace", email: "ada@example.com", roles: ["approver"] },
  scopes: ["read", "approve"],
  via: "session",
  expiresAt: T0 + 12 * 3600_000,
};

export const newKey: z.input<typeof NewKey> = { name: "ci", scopes: ["read", "run"] };

export const keyCreated: Out<typeof KeyCreated> = {
  id: KEY_ID,
  name: "ci",
  scopes: ["read", "run"],
  userId: USER_ID,
  createdAt: T0,
  key: "aob_Zk3pQ2R8s0vW1xY4tU6nM9bC",
};

const key: Out<typeof ApiKey> = {
  id: KEY_ID,
  name: "ci",
  scopes: ["read", "run"],
  userId: USER_ID,
  createdAt: T0,
  revokedAt: null,
};

export const keys: Out<typeof KeyList> = {
  keys: [key, { ...key, id: "key_0mx8t9a0b1c2", name: "old laptop", revokedAt: T0 + 5000 }],
  nextCursor: null,
};

export const newUser: z.input<typeof NewUser> = {
  name: "Ada Lovelace",
  email: "ada@example.com",
  roles: ["approver"],
};

export const user: Out<typeof User> = {
  id: USER_ID,
  name: "Ada Lovelace",
  email: "ada@example.com",
  roles: ["approver"],
  createdAt: T0,
  deletedAt: null,
};

export const userChange: z.input<typeof UserChange> = { roles: ["approver", "operator"] };

export const changedUser: Out<typeof User> = { ...user, roles: ["approver", "operator"] };

export const users: Out<typeof UserList> = {
  users: [
    {
      id: "usr_local_admin",
      name: "Grace Hopper",
      email: null,
      roles: ["admin"],
      createdAt: T0 - 86_400_000,
      deletedAt: null,
    },
    user,
  ],
  nextCursor: null,
};

export const audit: Out<typeof AuditPage> = {
  entries: [
    {
      id: 42,
      at: T0 + 67,
      actor: { userId: USER_ID, name: "Ada Lovelace", keyId: KEY_ID },
      action: "workflow.update",
      target: { type: "workflow", id: WORKFLOW_ID },
      details: { version: 2 },
      ip: "203.0.113.7",
      userAgent: "aob-cli",
    },
  ],
  nextCursor: "WzE3OTYzNzgzMTQzODIsNDJd",
};
