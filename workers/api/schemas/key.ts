import { z } from "@hono/zod-openapi";
import { SCOPES } from "../../../core/people/roles";
import { NextCursor } from "./params";
import { Timestamp } from "./time";

export const Scope = z.enum(SCOPES);

/** `POST /api/keys`. */
export const NewKey = z
  .strictObject({ name: z.string().min(1).max(100), scopes: z.array(Scope).min(1) })
  .openapi("NewKey");

export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(Scope),
    userId: z.string().nullable().openapi({ description: "The user the key acts as" }),
    createdAt: Timestamp,
    revokedAt: Timestamp.nullable(),
  })
  .openapi("ApiKey");
export type ApiKey = z.infer<typeof ApiKey>;

export const KeyList = z.object({ keys: z.array(ApiKey), nextCursor: NextCursor });

/** A new key: the secret `key` is shown this once; only its SHA-256 is stored. */
export const KeyCreated = ApiKey.omit({ revokedAt: true })
  .extend({ key: z.string() })
  .openapi("KeyCreated");
