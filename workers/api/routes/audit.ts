import { z } from "@hono/zod-openapi";
import { page } from "../../../core/wire/cursor";
import { listAudit } from "../../../db/audit";
import * as example from "../examples/people";
import { apiRoute, routes } from "../route";
import { AuditAction, type AuditEntry, AuditPage } from "../schemas/audit";
import { errors, json } from "../schemas/error";
import { cursorOf, cursorQuery, intString, limitQuery } from "../schemas/params";

/** The tenant's audit log (admin), newest first (docs/PEOPLE.md, "Audit log"). */
export const auditRoutes = routes().openapi(
  apiRoute("admin", {
    method: "get",
    path: "/audit",
    operationId: "listAuditEntries",
    summary: "The tenant's audit log, newest first",
    description:
      "Every change a person made through the API: who (user and key), when, what and from where. Filter by `action`, `userId` and a time range (`since` inclusive, `until` exclusive, ms since the epoch).",
    tags: ["audit"],
    request: {
      query: z.object({
        action: AuditAction.optional(),
        userId: z.string().optional(),
        since: intString(0, Number.MAX_SAFE_INTEGER).optional(),
        until: intString(0, Number.MAX_SAFE_INTEGER).optional(),
        limit: limitQuery(100, 500),
        cursor: cursorQuery(["n", "n"]),
      }),
    },
    responses: { 200: json(AuditPage, "A page of entries", example.audit), ...errors(400) },
  }),
  async (c) => {
    const { action, userId, since, until, limit, cursor } = c.req.valid("query");
    const rows = await listAudit(c.env.DB, {
      tenantId: c.get("tenantId"),
      ...(action === undefined ? {} : { action }),
      ...(userId === undefined ? {} : { userId }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      limit: limit + 1,
      before: cursorOf<[number, number]>(cursor, ["n", "n"]),
    });
    const { items, nextCursor } = page(rows, limit, (e) => [e.at, e.id]);
    return c.json(
      {
        nextCursor,
        entries: items.map(
          (e): AuditEntry => ({
            id: e.id,
            at: e.at,
            actor: { userId: e.userId, name: e.userName, keyId: e.keyId },
            action: e.action as AuditEntry["action"],
            target: { type: e.targetType, id: e.targetId },
            details: e.details,
            ip: e.ip,
            userAgent: e.userAgent,
          }),
        ),
      },
      200,
    );
  },
);
