/**
 * Sending notifications (docs/PEOPLE.md, "Notifications"): which channels an approval goes to,
 * who it asks, their signed decision links, and one POST per channel through the SSRF-guarded
 * fetch. The RunObject owes each notification in its own storage and calls `sendNotification`
 * until it succeeds or gives up (durable-objects/run/notifications.ts).
 */

import type { Approvers } from "../core/kinds/approval";
import {
  type ApprovalNotification,
  type Assignee,
  type NotificationKind,
  type RunFailedNotification,
  SLACK_MAX_ASSIGNEES,
  slackMessage,
  slackRunFailed,
  webhookBody,
} from "../core/people/notification";
import { insertDecisionLinks } from "../db/decision-links";
import {
  type ChannelEvent,
  type ChannelRow,
  findChannel,
  listChannels,
} from "../db/notification-channels";
import { findAssignees } from "../db/users";
import { signDecisionLink } from "./decision-links";
import { fetchTextFor } from "./fetch";
import { decryptSealed } from "./secrets";

/** How long a channel may take to answer. */
const SEND_TIMEOUT_MS = 10_000;
/** A decision link lasts as long as its approval, or this long when it has no timeout. */
export const LINK_DEFAULT_TTL_MS = 7 * 24 * 3600 * 1000;

/** The name a channel's sealed URL is bound to (no secret's name has a colon). */
export const channelSealName = (name: string) => `channel:${name}`;

/** What one approval (or budget hold) asks, as the RunObject knows it. */
export interface ApprovalAsk {
  kind: NotificationKind;
  tenantId: string;
  workflowId: string;
  runId: string;
  nodeId: string;
  attempt: number;
  message: string;
  quorum: number;
  form: Record<string, unknown> | null;
  expiresAt: number | null;
  /** Who is asked: the approval's approvers, or its escalation group (null: anyone may). */
  approvers: Approvers | null;
}

export type Delivery =
  | { ok: true; status: number; assignees: number }
  | { ok: false; retryable: boolean; error: string };

/**
 * The channels an approval goes to: the tenant's channels that take this kind of event, and
 * those its node names (a name with no channel is skipped: it was deleted after the save).
 */
export async function channelsFor(
  db: D1Database,
  tenantId: string,
  event: ChannelEvent,
  named: readonly string[],
): Promise<string[]> {
  const channels = await listChannels(db, tenantId);
  return channels
    .filter((c) => c.events.includes(event) || named.includes(c.name))
    .map((c) => c.name);
}

/** Sends one notification to one channel; a retryable failure is worth sending again. */
export async function sendNotification(
  env: Env,
  ask: ApprovalAsk,
  channelName: string,
  now: number,
): Promise<Delivery> {
  const channel = await findChannel(env.DB, ask.tenantId, channelName);
  if (!channel) {
    return { ok: false, retryable: false, error: `channel ${channelName} no longer exists` };
  }
  const origin = env.AOB_PUBLIC_URL || channel.origin;
  const people = await findAssignees(env.DB, ask.tenantId, ask.approvers);
  const expiresAt = ask.expiresAt ?? now + LINK_DEFAULT_TTL_MS;
  const shown = channel.type === "slack" ? people.slice(0, SLACK_MAX_ASSIGNEES) : people;
  const links = await Promise.all(
    shown.map(async (user) => {
      const id = crypto.randomUUID();
      const token = await signDecisionLink(env, {
        id,
        tenantId: ask.tenantId,
        runId: ask.runId,
        nodeId: ask.nodeId,
        attempt: ask.attempt,
        userId: user.id,
        expiresAt,
      });
      return { id, user, token };
    }),
  );
  if (links.some((l) => l.token === null)) {
    return {
      ok: false,
      retryable: false,
      error: "decision links need AOB_SECRETS_KEY to be signed",
    };
  }
  await insertDecisionLinks(
    env.DB,
    links.map((l) => ({
      id: l.id,
      tenantId: ask.tenantId,
      runId: ask.runId,
      userId: l.user.id,
      expiresAt,
    })),
  );
  const assignees: Assignee[] = links.map(({ user, token }) => {
    const decideUrl = `${origin}/decide#${token}`;
    return {
      userId: user.id,
      name: user.name,
      email: user.email,
      decideUrl,
      approveUrl: `${origin}/decide?decision=approve#${token}`,
      rejectUrl: `${origin}/decide?decision=reject#${token}`,
    };
  });
  const notification: ApprovalNotification = {
    type: ask.kind,
    tenantId: ask.tenantId,
    workflowId: ask.workflowId,
    runId: ask.runId,
    nodeId: ask.nodeId,
    attempt: ask.attempt,
    message: ask.message,
    quorum: ask.quorum,
    form: ask.form,
    expiresAt: ask.expiresAt,
    runUrl: `${origin}/runs/${ask.runId}`,
    assignees,
  };
  const body = channel.type === "slack" ? slackMessage(notification) : webhookBody(notification);
  const sent = await post(env, ask.tenantId, channel, body);
  return sent.ok ? { ...sent, assignees: assignees.length } : sent;
}

/** A failed run, to a channel that asked for failures. */
export async function sendRunFailed(
  env: Env,
  failure: Omit<RunFailedNotification, "type" | "runUrl">,
  channelName: string,
): Promise<Delivery> {
  const channel = await findChannel(env.DB, failure.tenantId, channelName);
  if (!channel) {
    return { ok: false, retryable: false, error: `channel ${channelName} no longer exists` };
  }
  const origin = env.AOB_PUBLIC_URL || channel.origin;
  const notification: RunFailedNotification = {
    type: "run.failed",
    ...failure,
    runUrl: `${origin}/runs/${failure.runId}`,
  };
  const body = channel.type === "slack" ? slackRunFailed(notification) : { ...notification };
  const sent = await post(env, failure.tenantId, channel, body);
  return sent.ok ? { ...sent, assignees: 0 } : sent;
}

/** One POST of a notification's body to a channel, through the SSRF guard. */
async function post(
  env: Env,
  tenantId: string,
  channel: ChannelRow,
  body: Record<string, unknown>,
): Promise<{ ok: true; status: number } | Extract<Delivery, { ok: false }>> {
  const url = await decryptSealed(env, tenantId, channelSealName(channel.name), channel.url);
  try {
    const res = await fetchTextFor(env)(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "aob-notifications" },
      body: JSON.stringify(body),
      timeoutMs: SEND_TIMEOUT_MS,
      maxResponseBytes: 64 * 1024,
    });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return {
      ok: false,
      retryable: res.status === 429 || res.status >= 500,
      error: `${channel.host} answered ${res.status}`,
    };
  } catch (err) {
    const code = (err as { code?: string }).code;
    // A refused address never becomes reachable by waiting; a network error may.
    return {
      ok: false,
      retryable: code !== "ssrf_blocked",
      error: `${channel.host}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
