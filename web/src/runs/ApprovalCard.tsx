import { useState } from "react";
import { ApiFailure, call, describeError } from "../api/client";
import { useSession } from "../api/session";
import type { NodeIssue } from "../flow/node-data";
import { JsonField } from "../schema/fields";
import { asSchema, initialValue, isRecord } from "../schema/json-schema";
import { SchemaForm } from "../schema/SchemaForm";
import "./approval-card.css";

/** Dispatched on `window` after a decision, so counts elsewhere refresh. */
export const APPROVALS_CHANGED = "aob:approvals-changed";

export interface ApprovalRequestView {
  runId: string;
  nodeId: string;
  message: string;
  form?: unknown;
  required: number;
  votes: number;
  /** A budget hold: an agent node waits because the run spent its model budget. */
  budget?: boolean;
}

/**
 * A pending approval: its message, its form (from the approval's JSON Schema), a comment, and
 * Approve / Reject. Form problems the API reports are shown on their fields.
 */
export function ApprovalCard({
  approval,
  onDecided,
}: {
  approval: ApprovalRequestView;
  onDecided(decision: "approve" | "reject"): void;
}) {
  const { client } = useSession();
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
    const json: { decision: "approve" | "reject"; comment?: string; data?: unknown } = { decision };
    if (comment.trim() !== "") json.comment = comment.trim();
    if (approval.form && data !== undefined) json.data = data;
    try {
      const param = { id: approval.runId, nodeId: approval.nodeId };
      await call(client.api.runs[":id"].approvals[":nodeId"].$post({ param, json }));
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
      {approval.required > 1 && (
        <p className="muted">
          {approval.votes} of {approval.required} approvals so far; any rejection rejects.
        </p>
      )}
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
          onClick={() => void decide("approve")}
        >
          Approve
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => void decide("reject")}
        >
          Reject
        </button>
      </div>
    </section>
  );
}
