import { z } from "@hono/zod-openapi";
import { CHANNEL_NAME } from "../../../core/kinds/approval";
import { Timestamp } from "./time";

export const ChannelEvent = z.enum(["approval", "budget", "run_failed"]).openapi("ChannelEvent");

export const ChannelName = z
  .string()
  .regex(
    CHANNEL_NAME,
    "a channel name is 1-63 letters, digits, _ and -, starting with a letter or digit",
  );

/** `PUT /api/notification-channels/{name}`. */
export const ChannelBody = z
  .strictObject({
    type: z.enum(["webhook", "slack"]).openapi({
      description: "`webhook`: aob's JSON form; `slack`: a Slack incoming webhook's message",
    }),
    url: z.url().max(2000).openapi({ description: "Where to POST (kept sealed, never shown)" }),
    events: z.array(ChannelEvent).max(2).default(["approval"]).openapi({
      description:
        "What this channel gets for every workflow; `[]`: only approvals whose node names it in `notify`",
    }),
  })
  .openapi("ChannelBody");

export const Channel = z
  .object({
    name: z.string(),
    type: z.enum(["webhook", "slack"]),
    host: z.string().openapi({ description: "The URL's host (the URL itself is not shown)" }),
    events: z.array(ChannelEvent),
    origin: z.string().openapi({ description: "Where decision links point" }),
    updatedAt: Timestamp,
  })
  .openapi("Channel");

export const ChannelList = z.object({ channels: z.array(Channel) });

/** `POST /api/decisions/view`: the token from a decision link's fragment. */
export const DecisionToken = z
  .strictObject({ token: z.string().min(10).max(2000) })
  .openapi("DecisionToken");

/** `POST /api/decisions`: the decision made through a link. */
export const LinkDecision = z
  .strictObject({
    token: z.string().min(10).max(2000),
    decision: z.enum(["approve", "reject"]),
    comment: z.string().max(5000).optional(),
    data: z.unknown().optional(),
  })
  .openapi("LinkDecision");

export const DecisionPage = z
  .object({
    runId: z.string(),
    nodeId: z.string(),
    attempt: z.number().int(),
    message: z.string(),
    form: z.record(z.string(), z.unknown()).nullable(),
    status: z.enum(["pending", "approved", "rejected", "timeout", "cancelled"]),
    required: z.number().int(),
    votes: z.array(
      z.object({ by: z.string(), decision: z.enum(["approve", "reject"]), at: Timestamp }),
    ),
    assignee: z.object({ id: z.string(), name: z.string() }),
    expiresAt: Timestamp,
    used: z.boolean().openapi({ description: "The link was used already (it works once)" }),
  })
  .openapi("DecisionPage");
