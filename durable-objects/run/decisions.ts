/**
 * Approvals as the engine drives them: opening an approval node's request and parking the node,
 * and a person's vote turned into a `decide` signal once it decides. The checks and the stored
 * requests are approvals.ts's book; the budget a decision raises is budget-hold.ts's.
 */

import type { IRNode } from "../../core/compile/ir";
import type { RunContext } from "../../core/executors/context";
import { renderTemplates } from "../../core/expressions/template";
import type { ApprovalConfig } from "../../core/kinds/approval";
import { kindOf } from "../../core/kinds/registry";
import {
  type ApprovalBook,
  type ApprovalRequest,
  type Ballot,
  type DecisionRefusal,
  decidedBy,
  type Vote,
} from "./approvals";
import type { Loaded } from "./context";
import type { RunStorage } from "./host";
import type { Pending } from "./pending";
import type { RunStore, StoredEvent } from "./store";

/** What the engine lends this module. */
export interface DecisionHost {
  storage: RunStorage;
  now(): number;
  store: RunStore;
  approvals: ApprovalBook;
  run(): Loaded | null;
  /** Queues a signal for the pump. */
  push(pending: Pending): void;
  /** Queues signals and resolves once they are committed. */
  enqueue(items: Pending[]): Promise<void>;
  /** Sends durable events to live subscribers. */
  emit(events: StoredEvent[]): void;
  /** Raises the run's budget after an approved budget hold, inside the vote's transaction. */
  raiseBudget(): void;
  /** Marks an approval request whose D1 row must be written. */
  approvalChanged(nodeId: string, attempt: number): void;
  /** Writes the D1 projection (the approvals inbox's rows) and resolves once it is written. */
  projectNow(): Promise<void>;
}

export class Decisions {
  constructor(private readonly host: DecisionHost) {}

  /** Renders the approval's message, records the request and parks the node. */
  async openApproval(node: IRNode, attempt: number, context: RunContext): Promise<void> {
    const config = node.config as Pick<
      ApprovalConfig,
      "message" | "form" | "timeoutSeconds" | "required" | "quorum" | "approvers" | "rejectIf"
    >;
    const message = String(
      await renderTemplates(config.message, context, { timeoutMs: node.expressionTimeoutMs }),
    );
    const createdAt = this.host.now();
    const expiresAt = config.timeoutSeconds ? createdAt + config.timeoutSeconds * 1000 : undefined;
    const required = config.quorum ?? config.required ?? 1;
    this.host.storage.transactionSync(() =>
      this.host.approvals.open({
        nodeId: node.id,
        attempt,
        iteration: this.host.run()?.state.nodes[node.id]?.iteration ?? 0,
        message,
        required,
        createdAt,
        ...(config.form ? { form: config.form } : {}),
        ...(config.approvers ? { approvers: config.approvers } : {}),
        ...(config.rejectIf === "majority" ? { rejectIf: "majority" as const } : {}),
        ...(expiresAt === undefined ? {} : { expiresAt }),
      }),
    );
    this.host.push({
      signal: {
        type: "wait",
        nodeId: node.id,
        attempt,
        until: expiresAt ?? null,
        reason: "approval",
        data: { message, form: config.form ?? null, required },
      },
    });
  }

  /**
   * A person's vote on an approval. Refusals (unknown node, not waiting, already decided, a form
   * that does not validate) record nothing. A vote that completes the quorum, or any rejection,
   * decides the node.
   */
  /**
   * Decisions stored but not taken by the run (the object stopped between the deciding vote and
   * its step): their signals again, for the pump after a wake.
   */
  undelivered(): Pending[] {
    const run = this.host.run();
    if (!run) return [];
    const found: Pending[] = [];
    for (const [nodeId, st] of Object.entries(run.state.nodes)) {
      if (st.status !== "waiting" || (st.waitReason !== "approval" && st.waitReason !== "budget")) {
        continue;
      }
      const request = this.host.approvals.get(nodeId, st.attempt);
      if (request?.status !== "pending") continue;
      // The votes decide as they did when cast (approvals.ts `cast`).
      const outcome = decidedBy(request, request.votes);
      if (outcome) found.push(decision(nodeId, st.attempt, outcome, request.votes));
    }
    return found;
  }

  async decide(
    nodeId: string,
    vote: Ballot,
  ): Promise<{ ok: true; approval: ApprovalRequest } | DecisionRefusal> {
    const { approvals, storage, store } = this.host;
    const run = this.host.run();
    if (!run || !Object.hasOwn(run.ir.byId, nodeId)) {
      return {
        ok: false,
        status: 404,
        code: "not_found",
        message: `the run has no node "${nodeId}"`,
      };
    }
    const node = run.ir.nodes[run.ir.byId[nodeId]!]!;
    const st = run.state.nodes[nodeId]!;
    const budgetHold = st.status === "waiting" && st.waitReason === "budget";
    const person = kindOf(node.type)?.traits.wait?.for === "person";
    // A vote repeated after its decision went through (a retried request whose first answer was
    // lost) meets a node that has moved on, its budget hold's agent on a new attempt: the
    // decided request answers it (`already_decided`), not "nothing pending".
    const earlier = st.status === "waiting" ? null : approvals.latest(nodeId);
    if (earlier && earlier.status !== "pending" && !approvals.get(nodeId, st.attempt)) {
      return approvals.check(earlier, vote)!;
    }
    if (!person && !budgetHold && !approvals.get(nodeId, st.attempt)) {
      return {
        ok: false,
        status: 409,
        code: "not_waiting",
        message: `node "${nodeId}" is a ${node.type} node, not an approval, and no budget decision is pending on it`,
      };
    }
    const request = approvals.get(nodeId, st.attempt);
    if (request && request.status !== "pending") {
      return approvals.check(request, vote)!;
    }
    if (
      !request ||
      st.status !== "waiting" ||
      (st.waitReason !== "approval" && st.waitReason !== "budget")
    ) {
      return {
        ok: false,
        status: 409,
        code: "not_waiting",
        message: `node "${nodeId}" is not waiting for a decision (it is ${st.status})`,
      };
    }
    const refusal = approvals.check(request, vote);
    if (refusal) return refusal;
    const at = this.host.now();
    const { voter, ...rest } = vote;
    const cast: Vote = { ...rest, userId: voter.userId, at };
    const votes = [...request.votes, cast];
    // The vote and what it causes are one transaction: a deciding vote's signal is rebuilt
    // from storage on a wake (`undelivered`) if the step it starts is lost.
    const { outcome, event } = storage.transactionSync(() => {
      const decided = approvals.cast(request, cast);
      // Approving a budget hold raises the budget before the agent starts again.
      if (decided === "approved" && budgetHold) this.host.raiseBudget();
      const voted = decided
        ? null
        : store.appendEvent(
            {
              type: "approval_voted",
              nodeId,
              data: {
                attempt: st.attempt,
                by: cast.by,
                userId: voter.userId,
                decision: cast.decision,
                approvals: votes.length,
                required: request.required,
              },
            },
            at,
          );
      return { outcome: decided, event: voted };
    });
    this.host.approvalChanged(nodeId, st.attempt);
    if (outcome) {
      await this.host.enqueue([decision(nodeId, st.attempt, outcome, votes)]);
    } else if (event) {
      this.host.emit([event]);
    }
    // The inbox (D1) has the vote before the voter is answered: a list read after it is current.
    await this.host.projectNow();
    // The request voted on, read back with its votes: by its own attempt, since a decision
    // that releases a budget hold has already started the node's next attempt.
    const approval = approvals.get(nodeId, request.attempt);
    if (!approval) {
      throw new Error(`approval ${nodeId} (attempt ${request.attempt}) missing after a vote`);
    }
    return { ok: true, approval };
  }
}

/** The signal a decided approval sends, with the node's output: who decided, how, and the votes. */
function decision(
  nodeId: string,
  attempt: number,
  outcome: "approved" | "rejected",
  votes: Vote[],
): Pending {
  const last = votes.at(-1)!;
  const approving = votes.filter((v) => v.decision === "approve");
  const output = {
    decision: outcome,
    by: votes.map((v) => v.by),
    comment: last.comment ?? null,
    data: approving.at(-1)?.data ?? null,
    votes: votes.map(({ by, userId, decision, comment, at: when }) => ({
      by,
      ...(userId === undefined ? {} : { userId }),
      decision,
      comment: comment ?? null,
      at: when,
    })),
  };
  return {
    signal: {
      type: "decide",
      nodeId,
      attempt,
      port: outcome,
      data: { by: last.by, comment: last.comment ?? null, votes: output.votes },
    },
    output,
  };
}
