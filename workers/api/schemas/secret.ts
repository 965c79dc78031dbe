import { z } from "@hono/zod-openapi";
import { Timestamp } from "./time";

/** A secret's name, as node config refers to it: `{{ secrets.NAME }}`. */
export const SecretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$");

/** `PUT /api/secrets/:name`: the value is encrypted at rest and never returned. */
export const SecretBody = z
  .strictObject({ value: z.string().min(1).max(16_384) })
  .openapi("Secret");

export const SecretSaved = z.object({ name: z.string(), updatedAt: Timestamp });

export const SecretList = z.object({
  secrets: z.array(z.object({ name: z.string(), createdAt: Timestamp, updatedAt: Timestamp })),
});
