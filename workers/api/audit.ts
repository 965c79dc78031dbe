import type { Context } from "hono";
import type { AuditAction } from "../../core/people/audit-actions";
import { appendAudit } from "../../db/audit";
import type { AppEnv, SignedIn } from "./types";

/**
 * Appends an entry for a change the request made, as the signed-in user, from the client's
 * address. Called after the change succeeded; `details` names what changed and never holds a
 * secret's value.
 */
export async function audit(
  c: Context<AppEnv>,
  action: AuditAction,
  target: { type: string; id: string },
  details: Record<string, unknown> = {},
  /** Who acted, when the request is not signed in yet (signing in). */
  actor: Pick<SignedIn, "tenantId" | "userId" | "userName"> & { keyId: string | null } = {
    tenantId: c.get("tenantId"),
    userId: c.get("userId"),
    userName: c.get("userName"),
    keyId: c.get("keyId"),
  },
): Promise<void> {
  await appendAudit(c.env.DB, actor.tenantId, {
    at: Date.now(),
    userId: actor.userId,
    userName: actor.userName,
    keyId: actor.keyId,
    action,
    targetType: target.type,
    targetId: target.id,
    details,
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, 300) ?? null,
  });
}
