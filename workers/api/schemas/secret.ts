import { z } from "@hono/zod-openapi";
import { AllowedHosts } from "../../../core/secrets/hosts";
import { NextCursor } from "./params";
import { Timestamp } from "./time";

/** A secret's name, as node config refers to it: `{{ secrets.NAME }}`. */
export const SecretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$");

const BINDING =
  "Hosts the secret may be sent to: hostnames, IP literals or `*.suffix` (names under the " +
  "suffix, not the suffix itself); 1 to 50, stored lower-case without trailing dots. " +
  "`null`: unbound, any host.";

/** The hosts a secret may be sent to, or null for an unbound secret (any host). */
const Binding = z.union([AllowedHosts, z.null()]).describe(BINDING);

/**
 * `PUT /api/secrets/:name`: the value is encrypted at rest and never returned. `allowedHosts`
 * omitted keeps the current binding (a new secret starts unbound); `null` unbinds it.
 */
export const SecretBody = z
  .strictObject({
    value: z.string().min(1).max(16_384),
    allowedHosts: Binding.optional().describe(
      `${BINDING} Omitted: the secret keeps its current hosts (a new secret starts unbound).`,
    ),
  })
  .openapi("Secret");

/** `PATCH /api/secrets/:name`: changes the binding only; the value stays. */
export const SecretBindingBody = z.strictObject({ allowedHosts: Binding }).openapi("SecretBinding");

/** A secret as the API shows it: everything but its value. */
export const SecretView = z
  .object({
    name: z.string(),
    allowedHosts: z.union([z.array(z.string()), z.null()]),
    bound: z.boolean().describe("false: the secret may be sent to any host (no `allowedHosts`)"),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("SecretView");

export const SecretSaved = z.object({
  name: z.string(),
  updatedAt: Timestamp,
  allowedHosts: z.union([z.array(z.string()), z.null()]),
  bound: z.boolean(),
});

export const SecretList = z.object({ secrets: z.array(SecretView), nextCursor: NextCursor });
