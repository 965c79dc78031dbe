/**
 * What a notification says (docs/PEOPLE.md, "Notifications"), in the two forms a channel takes:
 * a generic JSON document, and a Slack incoming-webhook message (blocks with a link button per
 * assignee and decision). Pure: the links are made and signed by the platform.
 */

export type NotificationKind = "approval.requested" | "approval.escalated" | "budget.hold";

/** A run that failed, for the channels that asked (`events: ["run_failed"]`). */
export interface RunFailedNotification {
  type: "run.failed";
  tenantId: string;
  workflowId: string;
  runId: string;
  error: { nodeId: string | null; code: string; message: string };
  runUrl: string;
}

/** The Slack message of a failed run. */
export function slackRunFailed(n: RunFailedNotification): Record<string, unknown> {
  const where = n.error.nodeId ? ` at node \`${n.error.nodeId}\`` : "";
  return {
    text: `Run failed: ${n.error.code}`,
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `*Run failed*${where}: \`${n.error.code}\`\n>${mrkdwn(n.error.message).slice(0, 2500)}\n<${n.runUrl}|Run ${n.runId}>`,
        },
      },
    ],
  };
}

/** One person asked to decide, with the links only they may use. */
export interface Assignee {
  userId: string;
  name: string;
  email: string | null;
  /** The decision page; `approveUrl` and `rejectUrl` open it with the decision chosen. */
  decideUrl: string;
  approveUrl: string;
  rejectUrl: string;
}

export interface ApprovalNotification {
  type: NotificationKind;
  tenantId: string;
  workflowId: string;
  runId: string;
  nodeId: string;
  attempt: number;
  message: string;
  quorum: number;
  form: Record<string, unknown> | null;
  expiresAt: number | null;
  runUrl: string;
  assignees: Assignee[];
}

/** Slack allows 50 blocks a message: the heading, then two per assignee. */
export const SLACK_MAX_ASSIGNEES = 20;

const HEADINGS: Record<NotificationKind, string> = {
  "approval.requested": "Approval needed",
  "approval.escalated": "Approval escalated to you",
  "budget.hold": "Budget hold: approve to let the agent go on",
};

/** Slack's mrkdwn, with the three characters it reserves escaped. */
function mrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** The Slack incoming-webhook body: `text` for notifications, blocks for the message. */
export function slackMessage(n: ApprovalNotification): Record<string, unknown> {
  const heading = HEADINGS[n.type];
  const due = n.expiresAt === null ? "" : ` (times out ${new Date(n.expiresAt).toISOString()})`;
  const blocks: Record<string, unknown>[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*${heading}*${due}\n>${mrkdwn(n.message).slice(0, 2500)}\n<${n.runUrl}|Run ${n.runId}>, node \`${n.nodeId}\`${n.quorum > 1 ? `, ${n.quorum} approvals needed` : ""}`,
      },
    },
  ];
  for (const a of n.assignees.slice(0, SLACK_MAX_ASSIGNEES)) {
    blocks.push(
      { type: "context", elements: [{ type: "mrkdwn", text: `For ${mrkdwn(a.name)} only:` }] },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            text: { type: "plain_text", text: "Approve" },
            style: "primary",
            url: a.approveUrl,
          },
          {
            type: "button",
            text: { type: "plain_text", text: "Reject" },
            style: "danger",
            url: a.rejectUrl,
          },
        ],
      },
    );
  }
  return { text: `${heading}: ${n.message.slice(0, 200)}`, blocks };
}

/** The generic webhook body: the notification itself, as JSON. */
export function webhookBody(n: ApprovalNotification): Record<string, unknown> {
  return { ...n };
}
