import { z } from "@hono/zod-openapi";
import { AUDIT_ACTIONS } from "../../../core/people/audit-actions";
import { NextCursor } from "./params";
import { Timestamp } from "./time";

export const AuditAction = z.enum(AUDIT_ACTIONS).openapi("AuditAction");

export const AuditEntry = z
  .object({
    id: z.number().int(),
    at: Timestamp,
    actor: z.object({
      userId: z.string().nullable(),
      name: z.string().describe("The user's name when they acted"),
      keyId: z.string().nullable(),
    }),
    action: AuditAction,
    target: z.object({ type: z.string(), id: z.string() }),
    details: z.record(z.string(), z.unknown()).describe("What changed; never a secret's value"),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .openapi("AuditEntry");
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditPage = z.object({ entries: z.array(AuditEntry), nextCursor: NextCursor });
