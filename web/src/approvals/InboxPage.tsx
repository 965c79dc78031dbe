import { everyPage } from "../../../core/wire/cursor";
import { call } from "../api/client";
import { useSession } from "../api/session";
import { useUserNames } from "../people/use-users";
import { ApprovalCard } from "../runs/ApprovalCard";
import { formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { EmptyState, ErrorNote, Loading } from "../ui/notes";
import { PageHead } from "../ui/PageHead";
import { useAsync } from "../ui/use-async";
import "./approvals.css";

/**
 * The pending approvals, newest first, decided in place: those waiting for the signed-in user
 * (assigned to them or to anyone, not yet voted on by them), or everyone's.
 */
export function InboxPage({ whose }: { whose: "me" | "anyone" }) {
  const { client } = useSession();
  const approvals = useAsync(
    async () =>
      everyPage(async (cursor) => {
        const query = {
          status: "pending" as const,
          for: whose,
          limit: "500",
          ...(cursor ? { cursor } : {}),
        };
        const page = await call(client.api.approvals.$get({ query }));
        return { items: page.approvals, nextCursor: page.nextCursor };
      }),
    [client, whose],
  );
  const names = useUserNames(
    (approvals.data ?? []).some((a) => (a.approvers?.users?.length ?? 0) > 0),
  );
  return (
    <div className="page">
      <PageHead title="Approvals">
        <nav className="segmented" aria-label="Whose approvals">
          <Link to={{ page: "approvals", whose: "me" }} current={whose === "me"}>
            Waiting for me
          </Link>
          <Link to={{ page: "approvals", whose: "anyone" }} current={whose === "anyone"}>
            Everyone's
          </Link>
        </nav>
        <span className="spacer" />
        <button type="button" onClick={approvals.reload}>
          Refresh
        </button>
      </PageHead>
      {approvals.error && (
        <ErrorNote title="Cannot list approvals">
          {approvals.error}.{" "}
          <button type="button" className="linkish" onClick={approvals.reload}>
            Try again
          </button>
        </ErrorNote>
      )}
      {approvals.state === "loading" && !approvals.data && <Loading what="approvals" />}
      {approvals.data && approvals.data.length === 0 && (
        <EmptyState
          title={
            whose === "me" ? "Nothing is waiting for you" : "Nothing is waiting for a decision"
          }
        >
          Approvals appear here when a run reaches an <em>Approval</em> node, or when an{" "}
          <em>Agent</em> node finds the run's model budget spent (a budget hold).
          {whose === "me" && " Those assigned to other people are under “Everyone's”."}
        </EmptyState>
      )}
      <ul className="inbox">
        {(approvals.data ?? []).map((a) => (
          <li key={`${a.runId}:${a.nodeId}:${a.attempt}`} data-run={a.runId}>
            <p className="muted">
              Run <Link to={{ page: "run", runId: a.runId }}>{a.runId}</Link>
              {a.parent && (
                <>
                  {" "}
                  (child of run{" "}
                  <Link to={{ page: "run", runId: a.parent.runId }}>{a.parent.runId}</Link>, node{" "}
                  {a.parent.nodeId}
                  {a.parent.item !== undefined && `, item ${a.parent.item}`})
                </>
              )}
              {a.iteration !== null && a.iteration > 0 && ` · loop iteration ${a.iteration}`} ·
              since {formatTime(a.createdAt)}
              {a.expiresAt !== null && ` · times out ${formatTime(a.expiresAt)}`}
            </p>
            <ApprovalCard
              approval={{
                runId: a.runId,
                nodeId: a.nodeId,
                message: a.message,
                form: a.form ?? undefined,
                required: a.required,
                votes: a.votes,
                approvers: a.approvers,
                rejectIf: a.rejectIf,
              }}
              names={names}
              onDecided={approvals.reload}
            />
          </li>
        ))}
      </ul>
    </div>
  );
}
