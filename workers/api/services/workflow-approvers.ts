import type { WorkflowDefinition } from "../../../core/workflow/definition";
import type { ValidationIssue } from "../../../core/workflow/issues";
import { findUser, findUserByEmail, type UserRow } from "../../../db/users";
import { ApiError } from "../errors";
import { issueView } from "../validation";

/** Users named in approvals: at most this many distinct ones are looked up per save. */
const MAX_NAMED = 200;

/**
 * Refuses saving a definition whose approval nodes name users who do not exist in the tenant,
 * were deleted, or cannot decide (no `approver` or `admin` role): 400 `validation_failed` with
 * the path of each name (docs/PEOPLE.md, "Assigned approvals").
 */
export async function checkApprovers(
  db: D1Database,
  tenantId: string,
  definition: WorkflowDefinition,
): Promise<void> {
  const named: { path: (string | number)[]; user: string }[] = [];
  definition.nodes.forEach((node, i) => {
    if (node.type !== "approval") return;
    const users = (node.config as { approvers?: { users?: string[] } }).approvers?.users ?? [];
    users.forEach((user, j) => {
      named.push({ path: ["nodes", i, "config", "approvers", "users", j], user });
    });
  });
  if (named.length === 0) return;
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
  const problems: ValidationIssue[] = named.flatMap(({ path, user }) => {
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
  });
  if (problems.length > 0) {
    throw new ApiError(400, "validation_failed", `the workflow has ${problems.length} error(s)`, {
      errors: problems.map(issueView),
      warnings: [],
    });
  }
}

function issue(path: (string | number)[], message: string): ValidationIssue {
  return { path, code: "unknown_approver", message, severity: "error" };
}
