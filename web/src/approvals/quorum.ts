/**
 * What an approval card says about who decides and how (docs/PEOPLE.md, "Assigned approvals"):
 * its quorum, the rule that rejects it, and whom it is assigned to, by name.
 */

/** Who may decide an approval: user ids or emails, and roles; none: anyone with `approve`. */
export interface Approvers {
  users?: readonly string[];
  roles?: readonly string[];
}

/**
 * The quorum so far: distinct approving users (a user votes once) over the number required.
 * @example
 * quorumText([{ decision: "approve" }], 2) // "1 approving / 2 required"
 */
export function quorumText(votes: readonly { decision: string }[], required: number): string {
  const approving = votes.filter((v) => v.decision === "approve").length;
  return `${approving} approving / ${required} required`;
}

/**
 * How many rejections reject: one under `any`, a majority of the quorum under `majority`.
 * @example
 * rejectionText("majority", 4) // "3 rejections reject it (a majority of the quorum of 4)"
 */
export function rejectionText(rejectIf: "any" | "majority" | undefined, required: number): string {
  if (rejectIf !== "majority") return "any rejection rejects it";
  const needed = Math.floor(required / 2) + 1;
  return `${needed} ${needed === 1 ? "rejection rejects" : "rejections reject"} it (a majority of the quorum of ${required})`;
}

/**
 * The people and roles an approval is assigned to, users by name where `names` knows their id
 * or email (`Ada Lovelace`), else as written; null when anyone with `approve` may decide.
 * @example
 * assignees({ users: ["usr_1", "x@example.com"], roles: ["admin"] }, new Map([["usr_1", "Ada"]]))
 * // { users: ["Ada", "x@example.com"], roles: ["admin"] }
 */
export function assignees(
  approvers: Approvers | null | undefined,
  names: ReadonlyMap<string, string>,
): { users: string[]; roles: string[] } | null {
  const users = approvers?.users ?? [];
  const roles = approvers?.roles ?? [];
  if (users.length === 0 && roles.length === 0) return null;
  return {
    users: users.map((u) => names.get(u) ?? names.get(u.toLowerCase()) ?? u),
    roles: [...roles],
  };
}
