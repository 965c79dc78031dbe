import { useState } from "react";
import { ApiFailure, call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { type Approvers, assignees, quorumText, rejectionText } from "../approvals/quorum";
import type { NodeIssue } from "../flow/node-data";
import { JsonField } from "../schema/fields";
import { asSchema, initialValue, isRecord } from "../schema/json-schema";
import { SchemaForm } from "../schema/SchemaForm";
import { formatTime } from "../ui/format";
import "./approval-card.css";

/** Dispatched on `window` after a decision, so counts elsewhere refresh. */
export const APPROVALS_CHANGED = "aob:approvals-changed";

export interface ApprovalRequestView {
  runId: string;
  nodeId: string;
  message: string;
  form?: unknown;
  required: number;
  /** The votes so far, one per user; `by` is the voter's name when they voted. */
  votes: readonly { by: string; decision: "approve" | "reject"; at: number; comment?: string }[];
  /** Who may decide; absent or null: anyone whose key has the `approve` scope. */
  approvers?: Approvers | null;
  rejectIf?: "any" | "majority";
  /** A budget hold: an agent node waits because the run spent its model budget. */
  budget?: boolean;
}

/** Who may decide, how many must approve, what rejects, and who voted so far. */
function Facts({
  approval,
  names,
}: {
  approval: ApprovalRequestView;
  names: ReadonlyMap<string, string>;
}) {
  const assigned = assignees(approval.approvers, names);
  return (
    <dl className="approval-facts">
      <dt>Quorum</dt>
      <dd data-testid="quorum">
        {quorumText(approval.votes, approval.required)};{" "}
        {rejectionText(approval.rejectIf, approval.required)}
      </dd>
      <dt>Assigned to</dt>
      <dd data-testid="assigned">
        {assigned === null ? (
          <span className="muted">anyone who may approve</span>
        ) : (
          <>
            {assigned.users.join(", ")}
            {assigned.users.length > 0 && assigned.roles.length > 0 && "; "}
            {assigned.roles.length > 0 &&
              `${assigned.roles.length === 1 ? "role" : "roles"} ${assigned.roles.join(", ")}`}
          </>
        )}
      </dd>
      {approval.votes.length > 0 && (
        <>
          <dt>Votes</dt>
          <dd>
            <ul className="votes">
              {approval.votes.map((v) => (
                <li key={`${v.by}:${v.at}`}>
                  <strong>{v.by}</strong> {v.decision === "approve" ? "approved" : "rejected"}{" "}
                  <span className="muted">{formatTime(v.at)}</span>
                  {v.comment && <q>{v.comment}</q>}
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
    </dl>
  );
}

const NO_NAMES: ReadonlyMap<string, string> = new Map();

/** A decision as the API takes it. */
export interface DecisionBody {
  decision: "approve" | "reject";
  comment?: string;
  data?: unknown;
}

/**
 * A pending approval decided by the signed-in person (the run view, the inbox): the card of
 * `ApprovalDecision`, sent with the session's key.
 */
export function ApprovalCard({
  approval,
  names = NO_NAMES,
  onDecided,
}: {
  approval: ApprovalRequestView;
  names?: ReadonlyMap<string, string>;
  onDecided(decision: "approve" | "reject"): void;
}) {
  const { client } = useSession();
  const submit = async (json: DecisionBody) => {
    const param = { id: approval.runId, nodeId: approval.nodeId };
    await call(client.api.runs[":id"].approvals[":nodeId"].$post({ param, json }));
  };
  return (
    <ApprovalDecision approval={approval} names={names} submit={submit} onDecided={onDecided} />
  );
}

/**
 * A pending approval: its message, who may decide and its quorum, the votes so far, its form
 * (from the approval's JSON Schema), a comment, and Approve / Reject, sent by `submit` (the
 * session's key, or a decision link's token). Form problems the API reports are shown on
 * their fields. `names` names the assigned users given by id or email; `suggested` marks the
 * button a decision link chose.
 */
export function ApprovalDecision({
  approval,
  names = NO_NAMES,
  submit,
  onDecided,
  suggested,
}: {
  approval: ApprovalRequestView;
  names?: ReadonlyMap<string, string>;
  submit(json: DecisionBody): Promise<void>;
  onDecided(decision: "approve" | "reject"): void;
  suggested?: "approve" | "reject" | null;
}) {
  const schema = asSchema(approval.form);
  const hasFields = Object.keys(schema.properties ?? {}).length > 0;
  const [data, setData] = useState<unknown>(() =>
    approval.form ? initialValue(schema) : undefined,
  );
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [issues, setIssues] = useState<NodeIssue[]>([]);
  const prefix = `approval-${approval.runId}-${approval.nodeId}`;

  const decide = async (decision: "approve" | "reject") => {
    setBusy(true);
    setError(null);
    setIssues([]);
    const json: DecisionBody = { decision };
    if (comment.trim() !== "") json.comment = comment.trim();
    if (approval.form && data !== undefined) json.data = data;
    try {
      await submit(json);
      window.dispatchEvent(new Event(APPROVALS_CHANGED));
      onDecided(decision);
    } catch (err) {
      const placed =
        err instanceof ApiFailure
          ? err.issues.map((i): NodeIssue => {
              // Paths are ["data", <field>, ...]: place each problem on its form field.
              const [, field, ...rest] = i.path;
              return typeof field === "string"
                ? { field, subPath: rest, message: i.message }
                : { message: i.message };
            })
          : [];
      const unplaced = placed.filter((i) => i.field === undefined).map((i) => i.message);
      setError([describeError(err), ...unplaced].join(": "));
      setIssues(placed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section
      className="approval"
      aria-label={`Approval ${approval.nodeId}`}
      data-testid={`approval-${approval.nodeId}`}
    >
      <h3>
        {approval.budget ? "Budget hold" : "Approval"} <code>{approval.nodeId}</code>
      </h3>
      <p className="approval-message">{approval.message}</p>
      {approval.budget && (
        <p className="muted">
          Approve to raise the run's budget by its original size and start the agent; reject to fail
          the node (<code>budget_rejected</code>).
        </p>
      )}
      {!approval.budget && <Facts approval={approval} names={names} />}
      {approval.form !== undefined && approval.form !== null && (
        <div className="approval-form">
          {hasFields ? (
            <SchemaForm
              schema={schema}
              value={isRecord(data) ? data : {}}
              onChange={(name, v) => {
                const next = { ...(isRecord(data) ? data : {}) };
                if (v === undefined) delete next[name];
                else next[name] = v;
                setData(next);
              }}
              issues={issues}
              idPrefix={prefix}
            />
          ) : (
            <div className="field">
              <label htmlFor={`${prefix}-data`}>Form data (JSON)</label>
              <JsonField
                id={`${prefix}-data`}
                value={data}
                onChange={setData}
                invalid={issues.length > 0}
                describedBy={undefined}
              />
            </div>
          )}
        </div>
      )}
      <div className="field">
        <label htmlFor={`${prefix}-comment`}>Comment</label>
        <textarea
          id={`${prefix}-comment`}
          rows={2}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
        />
      </div>
      {error && (
        <p className="field-error" role="alert">
          Not recorded: {error}
        </p>
      )}
      <div className="approval-actions">
        <button
          type="button"
          className="primary"
          disabled={busy}
          aria-pressed={suggested === "approve" ? true : undefined}
          onClick={() => void decide("approve")}
        >
          Approve
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy}
          aria-pressed={suggested === "reject" ? true : undefined}
          onClick={() => void decide("reject")}
        >
          Reject
        </button>
      </div>
    </section>
  );
}
