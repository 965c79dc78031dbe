import { Validator } from "@cfworker/json-schema";
import type { VoteDecision } from "../../core/kinds/approval";
import type { ApprovalRequest, ApprovalStatus, Vote } from "../../core/wire/run-view";

export type { ApprovalRequest, ApprovalStatus, Vote, VoteDecision };

/** A refusal the API turns into 400/404/409 with a clear message; nothing was recorded. */
export interface DecisionRefusal {
  ok: false;
  status: 400 | 404 | 409;
  code: "not_found" | "not_waiting" | "already_decided" | "invalid_form";
  message: string;
  details?: { errors: { path: (string | number)[]; message: string }[] };
}

/**
 * Approval requests and votes in the RunObject's SQLite. The quorum rule: `required` distinct
 * approvers approve it; any rejection rejects it.
 */
export class ApprovalBook {
  constructor(private readonly sql: SqlStorage) {}

  open(request: Omit<ApprovalRequest, "votes" | "status" | "decidedAt">): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO approvals (node_id, attempt, iteration, message, form, required, expires_at, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
      request.nodeId,
      request.attempt,
      request.iteration ?? null,
      request.message,
      request.form === undefined ? null : JSON.stringify(request.form),
      request.required,
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
  check(request: ApprovalRequest, vote: Omit<Vote, "at">): DecisionRefusal | null {
    if (request.status !== "pending") {
      return {
        ok: false,
        status: 409,
        code: "already_decided",
        message: `the approval of "${request.nodeId}" was already decided (${request.status})`,
      };
    }
    if (request.votes.some((v) => v.by === vote.by)) {
      return {
        ok: false,
        status: 409,
        code: "already_decided",
        message: `${vote.by} already voted on "${request.nodeId}"; ${request.required} distinct approvers are needed`,
      };
    }
    if (vote.decision === "approve" && request.form) {
      const result = new Validator(request.form as never, "2020-12", false).validate(
        vote.data ?? null,
      );
      if (!result.valid) {
        return {
          ok: false,
          status: 400,
          code: "invalid_form",
          message: "the form data does not match the approval's form",
          details: {
            errors: result.errors
              .filter((e) => e.keyword !== "properties" && e.keyword !== "$ref")
              .map((e) => ({
                path: ["data", ...pointerToPath(e.instanceLocation)],
                message: e.error,
              })),
          },
        };
      }
    }
    return null;
  }

  /** Records a vote and returns the outcome it leads to, if any. */
  cast(request: ApprovalRequest, vote: Vote): "approved" | "rejected" | null {
    this.sql.exec(
      `INSERT INTO approval_votes (node_id, attempt, by, decision, comment, data, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      request.nodeId,
      request.attempt,
      vote.by,
      vote.decision,
      vote.comment ?? null,
      vote.data === undefined ? null : JSON.stringify(vote.data),
      vote.at,
    );
    if (vote.decision === "reject") return "rejected";
    const approvals = request.votes.filter((v) => v.decision === "approve").length + 1;
    return approvals >= request.required ? "approved" : null;
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
        decision: VoteDecision;
        comment: string | null;
        data: string | null;
        at: number;
      }>(
        `SELECT by, decision, comment, data, at FROM approval_votes WHERE node_id = ? AND attempt = ? ORDER BY at, by`,
        nodeId,
        attempt,
      )
      .toArray()
      .map((r) => {
        const vote: Vote = { by: r.by, decision: r.decision, at: r.at };
        if (r.comment !== null) vote.comment = r.comment;
        if (r.data !== null) vote.data = JSON.parse(r.data) as unknown;
        return vote;
      });
  }
}

/** JSON Pointer `#/a/0/b` (or `/a/0/b`) to a path `["a", 0, "b"]`. */
function pointerToPath(pointer: string): (string | number)[] {
  return pointer
    .replace(/^#/, "")
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}
