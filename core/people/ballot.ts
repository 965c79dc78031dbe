/**
 * The approval rule (docs/PEOPLE.md, "Assigned approvals"): who may vote, and when the votes
 * decide. Pure; the RunObject applies it when a vote is cast and again after a wake.
 */
import type { Approvers } from "../kinds/approval";
import type { Role } from "./roles";

/** The person casting a vote, as the API authenticated them. */
export interface Voter {
  userId: string;
  email: string | null;
  roles: readonly Role[];
}

export type RejectIf = "any" | "majority";

/** Whether `voter` may decide an approval assigned to `approvers` (none: anyone may). */
export function isAssigned(approvers: Approvers | null | undefined, voter: Voter): boolean {
  if (!approvers) return true;
  const email = voter.email?.toLowerCase();
  const named = (approvers.users ?? []).some(
    (u) => u === voter.userId || (email !== undefined && u.toLowerCase() === email),
  );
  return named || (approvers.roles ?? []).some((r) => voter.roles.includes(r));
}

/** Rejections that reject: one under `any`, a majority of the quorum under `majority`. */
export function rejectionsNeeded(quorum: number, rejectIf: RejectIf): number {
  return rejectIf === "majority" ? Math.floor(quorum / 2) + 1 : 1;
}

/** What a set of votes (one per voter) decides, or null while it waits for more. */
export function outcomeOf(
  votes: readonly { decision: "approve" | "reject" }[],
  quorum: number,
  rejectIf: RejectIf,
): "approved" | "rejected" | null {
  const rejecting = votes.filter((v) => v.decision === "reject").length;
  if (rejecting >= rejectionsNeeded(quorum, rejectIf)) return "rejected";
  const approving = votes.length - rejecting;
  return approving >= quorum ? "approved" : null;
}
