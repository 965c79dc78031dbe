import { z } from "@hono/zod-openapi";
import { ROLES } from "../../../core/people/roles";
import { Scope } from "./key";
import { Timestamp } from "./time";

/** `POST /api/sessions`: the API key to sign in with; it is not kept anywhere. */
export const NewSession = z
  .strictObject({ key: z.string().min(1).max(200).openapi({ description: "An API key" }) })
  .openapi("NewSession");

/** Who a request is signed in as: the key behind the session (or the bearer key). */
export const SessionInfo = z
  .object({
    keyId: z.string(),
    keyName: z.string(),
    tenantId: z.string(),
    user: z
      .object({
        id: z.string(),
        name: z.string(),
        email: z.string().nullable(),
        roles: z.array(z.enum(ROLES)),
      })
      .openapi({ description: "The user the key acts as (docs/PEOPLE.md)" }),
    scopes: z.array(Scope).openapi({
      description: "What the request may do: the key's scopes that the user's roles also grant",
    }),
    via: z.enum(["session", "bearer"]).openapi({
      description: "`session`: the session cookie; `bearer`: an `Authorization` header",
    }),
    expiresAt: Timestamp.nullable().openapi({
      description: "When the session ends (null for a bearer key, which has no session)",
    }),
  })
  .openapi("SessionInfo");
export type SessionInfo = z.infer<typeof SessionInfo>;
