import { z } from "@hono/zod-openapi";
import { ROLES } from "../../../core/people/roles";
import { NextCursor } from "./params";
import { Timestamp } from "./time";

export const Role = z.enum(ROLES).openapi("Role");

const Roles = z
  .array(Role)
  .min(1)
  .max(ROLES.length)
  .refine((r) => new Set(r).size === r.length, { message: "a role is listed twice" });

const Email = z
  .email()
  .max(320)
  .transform((e) => e.toLowerCase());

/** `POST /api/users`. */
export const NewUser = z
  .strictObject({ name: z.string().trim().min(1).max(100), email: Email.optional(), roles: Roles })
  .openapi("NewUser");

/** `PATCH /api/users/{id}`: what changes (`email: null` removes it). */
export const UserChange = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    email: Email.nullable().optional(),
    roles: Roles.optional(),
  })
  .refine((c) => Object.keys(c).length > 0, { message: "name, email or roles: nothing to change" })
  .openapi("UserChange");

export const User = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    roles: z.array(Role),
    createdAt: Timestamp,
    deletedAt: Timestamp.nullable(),
  })
  .openapi("User");
export type User = z.infer<typeof User>;

export const UserList = z.object({ users: z.array(User), nextCursor: NextCursor });
