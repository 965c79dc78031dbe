import type { Approvers, VoteDecision } from "../../core/kinds/approval";
import { isAssigned, outcomeOf, type RejectIf, type Voter } from "../../core/people/ballot";
import type { ApprovalRequest, ApprovalStatus, Vote } from "../../core/wire/run-view";
import { schemaIssues } from "../../core/wire/schema-issues";
import type { NotificationBook } from "./notifications";

export type { ApprovalRequest, ApprovalStatus, Vote, VoteDecision };

/** A vote as the API hands it over: the vote and who casts it (their roles and email too). */
export type Ballot = Omit<Vote, "at" | "userId"> & { voter: Voter };

/** A refusal the API turns into 400/403/404/409 with a clear message; nothing was recorded. */
export interface DecisionRefusal {
  ok: false;
  status: 400 | 403 | 404 | 409;
  code: "not_found" | "not_waiting" | "already_decided" | "invalid_form" | "not_assigned";
  message: string;
  details?: { errors: { path: (string | number)[]; message: string }[] };
}

/**
 * Approval requests and votes in the RunObject's SQLite. The rule (core/people/ballot.ts):
 * `required` distinct users approve it; one rejection rejects it, or a majority of the quorum
 * under `rejectIf: "majority"`; only assigned users vote.
 */
export class ApprovalBook {
  constructor(
    private readonly sql: SqlStorage,
    /** Where an opened request owes its notification (notifications.ts). */
    private readonly notifications: NotificationBook,
  ) {}

  /** Records a request and owes its notification, in the caller's transaction. */
  open(request: Omit<ApprovalRequest, "votes" | "status" | "decidedAt">): void {
    this.notifications.owe(request.nodeId, request.attempt, 0, request.createdAt);
    this.sql.exec(
      `INSERT OR IGNORE INTO approvals (node_id, attempt, iteration, message, form, required, approvers, reject_if, expires_at, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
      request.nodeId,
      request.attempt,
      request.iteration ?? null,
      request.message,
      request.form === undefined ? null : JSON.stringify(request.form),
      request.required,
      request.approvers === undefined ? null : JSON.stringify(request.approvers),
      request.rejectIf ?? null,
      request.expiresAt ?? null,
      request.createdAt,
    );
  }

  /** The node's request of its latest attempt that had one, or null. */
  latest(nodeId: string): ApprovalRequest | null {
    const row = this.sql
      .exec<{ attempt: number }>(
        `SELECT attempt FROM approvals WHERE node_id = ? ORDER BY attempt DESC LIMIT 1`,
        nodeId,
      )
      .toArray()[0];
    return row ? this.get(nodeId, row.attempt) : null;
  }

  get(nodeId: string, attempt: number): ApprovalRequest | null {
    const row = this.sql
      .exec<{
        message: string;
        form: string | null;
        required: number;
        approvers: string | null;
        reject_if: RejectIf | null;
        expires_at: number | null;
        status: ApprovalStatus;
        created_at: number;
        decided_at: number | null;
        iteration: number | null;
      }>(`SELECT * FROM approvals WHERE node_id = ? AND attempt = ?`, nodeId, attempt)
      .toArray()[0];
    if (!row) return null;
    const request: ApprovalRequest = {
      nodeId,
      attempt,
      message: row.message,
      required: row.required,
      status: row.status,
      createdAt: row.created_at,
      votes: this.votes(nodeId, attempt),
    };
    if (row.iteration !== null) request.iteration = row.iteration;
    if (row.form !== null) request.form = JSON.parse(row.form) as Record<string, unknown>;
    if (row.approvers !== null) request.approvers = JSON.parse(row.approvers) as Approvers;
    if (row.reject_if !== null) request.rejectIf = row.reject_if;
    if (row.expires_at !== null) request.expiresAt = row.expires_at;
    if (row.decided_at !== null) request.decidedAt = row.decided_at;
    return request;
  }

  /** Every request, newest attempt last (for the run view). */
  all(): ApprovalRequest[] {
    return this.sql
      .exec<{ node_id: string; attempt: number }>(
        `SELECT node_id, attempt FROM approvals ORDER BY created_at, node_id`,
      )
      .toArray()
      .map((r) => this.get(r.node_id, r.attempt)!);
  }

  pending(): ApprovalRequest[] {
    return this.all().filter((a) => a.status === "pending");
  }

  /**
   * Checks a vote against the request without recording it: returns a refusal, or null when the
   * vote can be cast.
   */
  check(request: ApprovalRequest, vote: Ballot): DecisionRefusal | null {
    if (request.status !== "pending") {
      return {
        ok: false,
        status: 409,
        code: "already_decided",
        message: `the approval of "${request.nodeId}" was already decided (${request.status})`,
      };
    }
    if (!isAssigned(request.approvers, vote.voter)) {
      return {
        ok: false,
        status: 403,
        code: "not_assigned",
        message: `${vote.by} is not among the approvers of "${request.nodeId}" (${describeApprovers(request.approvers)})`,
      };
    }
    if (request.votes.some((v) => voterOf(v) === vote.voter.userId)) {
      return {
        ok: false,
        status: 409,
        code: "already_decided",
        message: `${vote.by} already voted on "${request.nodeId}"; ${request.required} distinct users must approve`,
      };
    }
    if (vote.decision === "approve" && request.form) {
      const issues = schemaIssues(request.form, vote.data ?? null);
      if (issues.length > 0) {
        return {
          ok: false,
          status: 400,
          code: "invalid_form",
          message: "the form data does not match the approval's form",
          details: { errors: issues.map((i) => ({ ...i, path: ["data", ...i.path] })) },
        };
      }
    }
    return null;
  }

  /** Records a vote and returns the outcome it leads to, if any. */
  cast(request: ApprovalRequest, vote: Vote): "approved" | "rejected" | null {
    this.sql.exec(
      `INSERT INTO approval_ballots (node_id, attempt, voter, by, user_id, decision, comment, data, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      request.nodeId,
      request.attempt,
      voterOf(vote),
      vote.by,
      vote.userId ?? null,
      vote.decision,
      vote.comment ?? null,
      vote.data === undefined ? null : JSON.stringify(vote.data),
      vote.at,
    );
    return decidedBy(request, [...request.votes, vote]);
  }

  /**
   * Escalates a waiting request at its first timeout (docs/PEOPLE.md): the escalation's
   * approvers join its own, it waits until `until`, and the second group is owed a notification.
   */
  escalate(nodeId: string, attempt: number, add: Approvers, until: number, now: number): void {
    const request = this.get(nodeId, attempt);
    if (request?.status !== "pending") return;
    const approvers: Approvers | undefined = request.approvers && {
      users: [...new Set([...(request.approvers.users ?? []), ...(add.users ?? [])])],
      roles: [...new Set([...(request.approvers.roles ?? []), ...(add.roles ?? [])])],
    };
    this.sql.exec(
      `UPDATE approvals SET approvers = ?, expires_at = ? WHERE node_id = ? AND attempt = ?`,
      approvers === undefined ? null : JSON.stringify(approvers),
      until,
      nodeId,
      attempt,
    );
    this.notifications.owe(nodeId, attempt, 1, now);
  }

  close(
    nodeId: string,
    attempt: number,
    status: Exclude<ApprovalStatus, "pending">,
    at: number,
  ): void {
    this.sql.exec(
      `UPDATE approvals SET status = ?, decided_at = ? WHERE node_id = ? AND attempt = ? AND status = 'pending'`,
      status,
      at,
      nodeId,
      attempt,
    );
  }

  private votes(nodeId: string, attempt: number): Vote[] {
    return this.sql
      .exec<{
        by: string;
        user_id: string | null;
        decision: VoteDecision;
        comment: string | null;
        data: string | null;
        at: number;
      }>(
        `SELECT by, user_id, decision, comment, data, at FROM approval_ballots WHERE node_id = ? AND attempt = ? ORDER BY at, voter`,
        nodeId,
        attempt,
      )
      .toArray()
      .map((r) => {
        const vote: Vote = { by: r.by, decision: r.decision, at: r.at };
        if (r.user_id !== null) vote.userId = r.user_id;
        if (r.comment !== null) vote.comment = r.comment;
        if (r.data !== null) vote.data = JSON.parse(r.data) as unknown;
        return vote;
      });
  }
}

/** What these votes decide under the request's quorum and rejection rule. */
export function decidedBy(
  request: Pick<ApprovalRequest, "required" | "rejectIf">,
  votes: readonly Pick<Vote, "decision">[],
): "approved" | "rejected" | null {
  return outcomeOf(votes, request.required, request.rejectIf ?? "any");
}

/** One voter, one vote: a user by id; a vote from before users existed by its name. */
function voterOf(vote: Pick<Vote, "by" | "userId">): string {
  return vote.userId ?? vote.by;
}

function describeApprovers(approvers: Approvers | undefined): string {
  const parts = [
    ...(approvers?.users?.length ? [`users ${approvers.users.join(", ")}`] : []),
    ...(approvers?.roles?.length ? [`roles ${approvers.roles.join(", ")}`] : []),
  ];
  return parts.length ? `assigned: ${parts.join("; ")}` : "anyone may decide";
}
