import type { RunEvent } from "../../../core/wire/frames";
import { type Client, call } from "../api/client";

/** Rows of the event log shown at once: a page, never the whole log. */
export const EVENT_PAGE = 100;

/** Pages of one node's events read at most (5,000 events each); a longer history is cut. */
const NODE_PAGES = 4;

/** One page of a run's event log and the `after` of the next, null at the end. */
export interface EventPage {
  events: RunEvent[];
  next: number | null;
}

/**
 * Where the page that ends at the newest event starts (`after`), for a log of `lastSeq`
 * events: seqs are gapless from 1, so the newest `size` events are those after
 * `lastSeq - size`.
 * @example
 * newestAfter(1234, 100) // 1134
 */
export function newestAfter(lastSeq: number, size: number = EVENT_PAGE): number {
  return Math.max(0, lastSeq - size);
}

/** `GET /api/runs/:id/events?after=&limit=`: one page. */
export async function eventPage(
  client: Client,
  runId: string,
  after: number,
  limit: number = EVENT_PAGE,
): Promise<EventPage> {
  return call(
    client.api.runs[":id"].events.$get({
      param: { id: runId },
      query: { after: String(after), limit: String(limit) },
    }),
  );
}

/**
 * One node's events, oldest first, following `next` for up to `NODE_PAGES` pages: what the
 * node panel needs for the node's attempts, without the rest of the run's log. `cut` says
 * that more were left unread.
 */
export async function nodeEvents(
  client: Client,
  runId: string,
  nodeId: string,
): Promise<{ events: RunEvent[]; cut: boolean }> {
  const events: RunEvent[] = [];
  let after: number | null = 0;
  for (let i = 0; i < NODE_PAGES && after !== null; i++) {
    const page: EventPage = await call(
      client.api.runs[":id"].events.$get({
        param: { id: runId },
        query: { after: String(after), limit: "5000", nodeId },
      }),
    );
    events.push(...page.events);
    after = page.next;
  }
  return { events, cut: after !== null };
}
