import type { ChannelEvent } from "../api/types";

/** What each event a channel may take sends it, in words (the table and the form). */
export const EVENT_TEXT = {
  approval: "every approval",
  budget: "budget holds",
  run_failed: "failed runs",
} as const satisfies Record<ChannelEvent, string>;

/** The form's checkboxes, in the order the API lists them. */
export const CHANNEL_EVENTS: readonly ChannelEvent[] = ["approval", "budget", "run_failed"];

/**
 * What a channel gets, in words. A channel with no events gets only the approvals whose node
 * names it in `notify`.
 * @example
 * channelGets(["approval", "budget"]) // "every approval, budget holds"
 * channelGets([]) // "only nodes that name it"
 */
export function channelGets(events: readonly ChannelEvent[]): string {
  if (events.length === 0) return "only nodes that name it";
  return events.map((e) => EVENT_TEXT[e]).join(", ");
}
