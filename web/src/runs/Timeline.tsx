import type { RunEvent } from "../../../core/wire/frames";
import { formatDuration } from "../ui/format";
import { formatTokens, usageOf } from "./attempts";

/** Events shown at most; older ones are summarised. */
const SHOWN = 500;

function summary(event: RunEvent): string {
  const d = event.data ?? {};
  switch (event.type) {
    case "node_succeeded": {
      const usage = usageOf(d.usage);
      return [
        typeof d.port === "string" ? `port ${d.port}` : null,
        usage ? `${formatTokens(usage)} tokens` : null,
      ]
        .filter(Boolean)
        .join(" · ");
    }
    case "node_failed":
    case "node_retrying": {
      const e = d.error as { code?: string; message?: string } | undefined;
      return e ? `${e.code ?? ""}: ${e.message ?? ""}` : "";
    }
    case "node_skipped":
      return typeof d.reason === "string" ? d.reason.replaceAll("_", " ") : "";
    case "node_waiting":
      return typeof d.reason === "string" ? d.reason : "";
    case "approval_required":
      return d.kind === "budget" ? "budget spent: approve to continue" : "";
    case "patch_proposed": {
      const source = d.source as { kind?: string; by?: string } | undefined;
      const by = source?.kind === "person" ? `by ${source.by ?? "a person"}` : "by the agent";
      return `patch ${String(d.patchId)} ${by}`;
    }
    case "patch_applied": {
      const added = Array.isArray(d.addedNodes) ? d.addedNodes.map(String) : [];
      return `patch ${String(d.patchId)}${added.length > 0 ? ` added ${added.join(", ")}` : ""}`;
    }
    case "patch_rejected": {
      const problems = Array.isArray(d.problems) ? (d.problems as { message?: string }[]) : [];
      return `patch ${String(d.patchId)}: ${problems[0]?.message ?? "rejected"}`;
    }
    case "approval_voted":
    case "approval_decided":
      return [d.decision, d.by ? `by ${String(d.by)}` : null].filter(Boolean).join(" ");
    case "run_failed": {
      const e = d.error as { message?: string } | undefined;
      return e?.message ?? "";
    }
    default:
      return "";
  }
}

/** The run's event log in order, time relative to the first event; node events select the node. */
export function Timeline({
  events,
  onSelectNode,
}: {
  events: RunEvent[];
  onSelectNode(id: string): void;
}) {
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  const t0 = events[0]!.at;
  const shown = events.slice(-SHOWN);
  return (
    <div className="timeline-wrap">
      {events.length > SHOWN && (
        <p className="muted">{events.length - SHOWN} earlier events not shown.</p>
      )}
      <ol className="timeline" aria-label="Events">
        {shown.map((e) => (
          <li key={e.seq} className={`tl tl-${e.type}`} data-type={e.type}>
            <span className="tl-seq">#{e.seq}</span>
            <span className="tl-at">+{formatDuration(e.at - t0)}</span>
            <span className="tl-type">{e.type.replaceAll("_", " ")}</span>
            {e.nodeId && (
              <button
                type="button"
                className="linkish tl-node"
                onClick={() => onSelectNode(e.nodeId!)}
              >
                {e.nodeId}
              </button>
            )}
            <span className="tl-summary">{summary(e)}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
