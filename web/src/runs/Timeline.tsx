import { useEffect, useRef, useState } from "react";
import type { RunEvent } from "../../../core/wire/frames";
import { describeError } from "../api/client";
import { useSession } from "../api/session";
import { formatDuration } from "../ui/format";
import { formatTokens, usageOf } from "./attempts";
import { EVENT_PAGE, type EventPage, eventPage, newestAfter } from "./event-pages";

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
    case "approval_escalated":
      return `escalated; waits until ${new Date(Number(d.until)).toISOString()}`;
    case "notification_sent":
      return `notified ${String(d.channel)} (${String(d.assignees)} asked, try ${String(d.tries)})`;
    case "notification_failed":
      return `notifying ${String(d.channel)} failed after ${String(d.tries)} tries: ${String(d.error)}`;
    case "trace_exported":
      return `trace sent to ${String(d.host)} (${String(d.spans)} spans, try ${String(d.tries)})`;
    case "trace_export_failed":
      return `sending the trace failed after ${String(d.tries)} tries: ${String(d.error)}`;
    case "run_failed": {
      const e = d.error as { message?: string } | undefined;
      return e?.message ?? "";
    }
    case "tool_called": {
      const outcome = d.source === "refused" ? "refused" : d.ok ? "ok" : "error";
      return `${String(d.name)} ${outcome} · ${formatDuration(Number(d.ms ?? 0))}`;
    }
    default:
      return "";
  }
}

/** Which page is shown: the newest (following a live run), or the one after a seq. */
type Place = "newest" | { after: number };

/** Whether a page holds all it can: full, or up to the newest event. */
function complete(page: EventPage, after: number, lastSeq: number): boolean {
  return page.events.length >= EVENT_PAGE || (page.events.at(-1)?.seq ?? after) >= lastSeq;
}

/**
 * The page at `place` of a log that has `lastSeq` events, read again while it is not complete
 * (the newest page of a live run): one request at a time; when it answers, the latest wish is
 * read. The page shown stays until the next one arrives, so the list does not flash.
 */
function usePage(runId: string, place: Place, lastSeq: number) {
  const { client } = useSession();
  const after = place === "newest" ? newestAfter(lastSeq) : place.after;
  const [page, setPage] = useState<(EventPage & { after: number }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const busy = useRef(false);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    if (busy.current) return;
    if (page && page.after === after && complete(page, after, lastSeq)) return;
    busy.current = true;
    eventPage(client, runId, after).then(
      (p) => {
        busy.current = false;
        if (!mounted.current) return;
        setPage({ ...p, after });
        setError(null);
      },
      (err: unknown) => {
        busy.current = false;
        if (mounted.current) setError(describeError(err));
      },
    );
  }, [client, runId, after, lastSeq, page]);
  return { page, error };
}

/**
 * The run's event log, one page of `EVENT_PAGE` events at a time from the API (a big run has
 * tens of thousands): the newest page by default, following a live run, with buttons to the
 * oldest, older, newer and newest. Times are relative to the run's start; node events select
 * the node.
 */
export function Timeline({
  runId,
  lastSeq,
  startedAt,
  onSelectNode,
}: {
  runId: string;
  /** The newest seq of the run's log (the live state's). */
  lastSeq: number;
  startedAt: number;
  onSelectNode(id: string): void;
}) {
  const [place, setPlace] = useState<Place>("newest");
  const { page, error } = usePage(runId, place, lastSeq);
  if (lastSeq === 0) return <p className="muted">No events yet.</p>;
  const events = page?.events ?? [];
  const first = events[0]?.seq;
  const last = events.at(-1)?.seq;
  const atNewest = place === "newest" || (last ?? 0) >= lastSeq;
  const go = (after: number) =>
    setPlace(after >= newestAfter(lastSeq) ? "newest" : { after: Math.max(0, after) });
  return (
    <div className="timeline-wrap">
      <nav className="tl-pager" aria-label="Event pages">
        <span className="muted" data-testid="event-range">
          {first === undefined
            ? `${lastSeq} events`
            : `events ${first}–${last} of ${Math.max(lastSeq, last ?? 0)}`}
        </span>
        <span className="spacer" />
        <button type="button" onClick={() => go(0)} disabled={first === undefined || first <= 1}>
          Oldest
        </button>
        <button
          type="button"
          onClick={() => go((first ?? 1) - 1 - EVENT_PAGE)}
          disabled={first === undefined || first <= 1}
        >
          Older
        </button>
        <button type="button" onClick={() => go(last ?? 0)} disabled={atNewest}>
          Newer
        </button>
        <button type="button" onClick={() => setPlace("newest")} disabled={place === "newest"}>
          Newest
        </button>
      </nav>
      {error && (
        <p className="muted" role="alert">
          Cannot read the events: {error}
        </p>
      )}
      <ol className="timeline" aria-label="Events">
        {events.map((e) => (
          <li key={e.seq} className={`tl tl-${e.type}`} data-type={e.type}>
            <span className="tl-seq">#{e.seq}</span>
            <span className="tl-at">+{formatDuration(Math.max(0, e.at - startedAt))}</span>
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
