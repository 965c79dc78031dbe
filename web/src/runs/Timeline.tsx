import type { RunEvent } from "../../../core/wire/frames";
import { formatDuration } from "../ui/format";

/** Events shown at most; older ones are summarised. */
const SHOWN = 500;

function summary(event: RunEvent): string {
  const d = event.data ?? {};
  switch (event.type) {
    case "node_succeeded":
      return typeof d.port === "string" ? `port ${d.port}` : "";
    case "node_failed":
    case "node_retrying": {
      const e = d.error as { code?: string; message?: string } | undefined;
      return e ? `${e.code ?? ""}: ${e.message ?? ""}` : "";
    }
    case "node_skipped":
      return typeof d.reason === "string" ? d.reason.replaceAll("_", " ") : "";
    case "node_waiting":
      return typeof d.reason === "string" ? d.reason : "";
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
