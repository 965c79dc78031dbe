import type { ApprovalConfig } from "../../../core/kinds/approval";
import type { WorkflowDefinition } from "../../../core/workflow/definition";
import type { ValidationIssue } from "../../../core/workflow/issues";
import { listChannels } from "../../../db/notification-channels";
import { findUser, findUserByEmail, type UserRow } from "../../../db/users";
import { ApiError } from "../errors";
import { issueView } from "../validation";

/** Users named in approvals: at most this many distinct ones are looked up per save. */
const MAX_NAMED = 200;

/**
 * Refuses saving a definition whose approval nodes name people or channels the tenant cannot
 * use (`approverIssues`): 400 `validation_failed` with the path of each (docs/PEOPLE.md).
 */
export async function checkApprovers(
  db: D1Database,
  tenantId: string,
  definition: WorkflowDefinition,
): Promise<void> {
  const problems = await approverIssues(db, tenantId, definition);
  if (problems.length > 0) {
    throw new ApiError(400, "validation_failed", `the workflow has ${problems.length} error(s)`, {
      errors: problems.map(issueView),
      warnings: [],
    });
  }
}

/**
 * The problems of a definition's approval nodes that only the tenant's data shows: users named
 * (as approvers or to escalate to) who do not exist, were deleted or cannot decide (no
 * `approver` or `admin` role), and notification channels the tenant does not have. The builder
 * shows them while editing (`POST /workflows/validate`), as saving would.
 */
export async function approverIssues(
  db: D1Database,
  tenantId: string,
  definition: WorkflowDefinition,
): Promise<ValidationIssue[]> {
  const named: { path: (string | number)[]; user: string }[] = [];
  const channels: { path: (string | number)[]; name: string }[] = [];
  definition.nodes.forEach((node, i) => {
    if (node.type !== "approval") return;
    const config = node.config as Pick<ApprovalConfig, "approvers" | "escalate" | "notify">;
    for (const [at, approvers] of [
      [["approvers"], config.approvers],
      [["escalate", "approvers"], config.escalate?.approvers],
    ] as const) {
      (approvers?.users ?? []).forEach((user, j) => {
        named.push({ path: ["nodes", i, "config", ...at, "users", j], user });
      });
    }
    (config.notify ?? []).forEach((name, j) => {
      channels.push({ path: ["nodes", i, "config", "notify", j], name });
    });
  });
  const known = channels.length
    ? new Set((await listChannels(db, tenantId)).map((c) => c.name))
    : null;
  const missing: ValidationIssue[] = channels
    .filter((c) => !known?.has(c.name))
    .map((c) => ({
      path: c.path,
      code: "unknown_channel",
      message: `no notification channel "${c.name}" (PUT /api/notification-channels/${c.name} first)`,
      severity: "error",
    }));
  if (named.length === 0 && missing.length === 0) return [];
  const distinct = [...new Set(named.map((n) => n.user))].slice(0, MAX_NAMED);
  const found = new Map<string, UserRow | null>();
  for (const user of distinct) {
    found.set(
      user,
      user.includes("@")
        ? await findUserByEmail(db, tenantId, user.toLowerCase())
        : await findUser(db, tenantId, user),
    );
  }
  return [
    ...missing,
    ...named.flatMap(({ path, user }) => {
      if (!found.has(user)) {
        return [issue(path, `more than ${MAX_NAMED} distinct users are named in approvals`)];
      }
      const row = found.get(user);
      if (!row || row.deletedAt !== null) return [issue(path, `no user ${user} in this tenant`)];
      if (!row.roles.includes("approver") && !row.roles.includes("admin")) {
        return [
          issue(
            path,
            `user ${row.name} (${row.id}) cannot decide approvals: give them the approver role`,
          ),
        ];
      }
      return [];
    }),
  ];
}

function issue(path: (string | number)[], message: string): ValidationIssue {
  return { path, code: "unknown_approver", message, severity: "error" };
}
