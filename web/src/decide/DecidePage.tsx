import { useEffect, useMemo, useState } from "react";
import { call, createClient, describeError } from "../api/client";
import { ApprovalDecision, type DecisionBody } from "../runs/ApprovalCard";
import { formatTime } from "../ui/format";

interface Page {
  runId: string;
  nodeId: string;
  message: string;
  form: Record<string, unknown> | null;
  status: string;
  required: number;
  votes: { by: string; decision: "approve" | "reject"; at: number }[];
  assignee: { id: string; name: string };
  expiresAt: number;
  used: boolean;
}

/**
 * The page a notification's decision link opens (docs/PEOPLE.md): `/decide#<token>`, without
 * signing in. The token stays in the URL's fragment, which the browser never sends; the page
 * posts it in a body to read the approval and to decide it as the link's assignee, once.
 */
export function DecidePage() {
  const client = useMemo(() => createClient(), []);
  const token = window.location.hash.slice(1);
  const chosen = new URLSearchParams(window.location.search).get("decision");
  const suggested = chosen === "approve" || chosen === "reject" ? chosen : null;
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ decision: string; status: string } | null>(null);

  useEffect(() => {
    if (!token) {
      setError("This link has no decision token: open the whole link from the notification.");
      return;
    }
    call(client.api.decisions.view.$post({ json: { token } })).then(setPage, (err: unknown) =>
      setError(describeError(err)),
    );
  }, [client, token]);

  const submit = async (json: DecisionBody) => {
    const approval = await call(client.api.decisions.$post({ json: { ...json, token } }));
    setDone({ decision: json.decision, status: (approval as { status: string }).status });
  };

  return (
    <main id="main" className="main">
      <div className="page">
        <h1>Decide an approval</h1>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        {!page && !error && <p className="help">Reading the approval…</p>}
        {page && (
          <>
            <p className="help">
              Deciding as <strong>{page.assignee.name}</strong> on node <code>{page.nodeId}</code>{" "}
              of run <code>{page.runId}</code>; this link works once, until{" "}
              {formatTime(page.expiresAt)}.
            </p>
            {done ? (
              <p role="status" className="decided">
                Recorded: you {done.decision === "approve" ? "approved" : "rejected"}. The approval
                is now {done.status}.
              </p>
            ) : page.status !== "pending" ? (
              <p role="status">This approval was already decided ({page.status}).</p>
            ) : page.used ? (
              <p role="status">This link was used already; it works once.</p>
            ) : (
              <ApprovalDecision
                approval={{
                  runId: page.runId,
                  nodeId: page.nodeId,
                  message: page.message,
                  form: page.form,
                  required: page.required,
                  votes: page.votes,
                }}
                submit={submit}
                suggested={suggested}
                onDecided={() => {}}
              />
            )}
          </>
        )}
      </div>
    </main>
  );
}
