import type { VoteDecision } from "../../core/kinds/approval";
import { say } from "../output";
import { ask } from "../prompt";
import type { RunApproval } from "../types";

/** The body of `POST /api/runs/:id/approvals/:nodeId`. */
export interface Decision {
  decision: VoteDecision;
  comment?: string;
  data?: unknown;
}

const ANSWERS: Record<string, VoteDecision | "skip"> = {
  a: "approve",
  approve: "approve",
  y: "approve",
  yes: "approve",
  r: "reject",
  reject: "reject",
  n: "reject",
  no: "reject",
  s: "skip",
  skip: "skip",
};

/**
 * Asks the person at the terminal to approve or reject; null when they skip (the run keeps
 * waiting). An approval with a form asks for its data as JSON.
 */
export async function askDecision(approval: RunApproval): Promise<Decision | null> {
  say("");
  say(`approval needed at node ${approval.nodeId}: ${approval.message}`);
  if (approval.required > 1) {
    say(`${approval.votes.length} of ${approval.required} approvals so far`);
  }
  let answer: VoteDecision | "skip" | undefined;
  while (answer === undefined) {
    answer = ANSWERS[(await ask("approve, reject or skip? [a/r/s] ")).toLowerCase()];
  }
  if (answer === "skip") return null;
  const decision: Decision = { decision: answer };
  const comment = await ask("comment (optional): ");
  if (comment) decision.comment = comment;
  if (answer === "approve" && approval.form) {
    say(`form (JSON Schema): ${JSON.stringify(approval.form)}`);
    for (;;) {
      const text = await ask("form data as JSON: ");
      try {
        decision.data = JSON.parse(text) as unknown;
        break;
      } catch (err) {
        say(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return decision;
}
