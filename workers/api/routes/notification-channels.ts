import { z } from "@hono/zod-openapi";
import { checkUrl } from "../../../core/net";
import {
  type ChannelRow,
  deleteChannel,
  listChannels,
  putChannel,
} from "../../../db/notification-channels";
import { allowlistOf } from "../../../platform/fetch";
import { channelSealName } from "../../../platform/notify";
import { encryptSecret } from "../../../platform/secrets";
import { audit } from "../audit";
import { ApiError, notFound } from "../errors";
import * as example from "../examples/secrets";
import { apiRoute, routes } from "../route";
import { errors, json, jsonBody } from "../schemas/error";
import { Channel, ChannelBody, ChannelList, ChannelName } from "../schemas/notification";

const tags = ["notifications"];
const Name = z.object({ name: ChannelName });
/** Channels a tenant may have. */
const MAX_CHANNELS = 100;

function view(row: ChannelRow): z.infer<typeof Channel> {
  const { url: _sealed, ...shown } = row;
  return shown;
}

/**
 * Where a tenant's notifications go (docs/PEOPLE.md, "Notifications"): webhooks in aob's JSON
 * form or Slack's, by name. The URL is sealed like a secret and never shown again.
 */
export const notificationChannelRoutes = routes()
  .openapi(
    apiRoute("edit", {
      method: "put",
      path: "/notification-channels/{name}",
      operationId: "setNotificationChannel",
      summary: "Set a notification channel (a webhook, or a Slack incoming webhook)",
      description:
        'Approvals (and budget holds, with `events: ["budget"]`) notify every channel that takes their kind, and the channels their node names in `notify`. Decision links in a notification point at this request\'s origin (or `AOB_PUBLIC_URL`). Sent through the SSRF guard: a URL the guard refuses is refused here with its reason.',
      tags,
      request: {
        params: Name,
        body: jsonBody(ChannelBody, example.setChannel),
      },
      responses: {
        200: json(Channel, "The channel", example.channel),
        ...errors(400, 409, 413),
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const body = c.req.valid("json");
      const tenantId = c.get("tenantId");
      const url = new URL(body.url);
      const policy = checkUrl(url, allowlistOf(c.env));
      if (!policy.ok) {
        throw new ApiError(400, "validation_failed", `url: ${policy.message}`, {
          errors: [{ path: ["url"], at: "url", code: policy.code, message: policy.message }],
        });
      }
      const existing = await listChannels(c.env.DB, tenantId);
      if (existing.length >= MAX_CHANNELS && !existing.some((ch) => ch.name === name)) {
        throw new ApiError(409, "conflict", `a tenant has at most ${MAX_CHANNELS} channels`);
      }
      const row: ChannelRow = {
        name,
        type: body.type,
        url: await encryptSecret(c.env, tenantId, channelSealName(name), body.url),
        host: url.host,
        events: body.events,
        origin: new URL(c.req.url).origin,
        updatedAt: Date.now(),
      };
      await putChannel(c.env.DB, tenantId, row);
      await audit(
        c,
        "channel.put",
        { type: "channel", id: name },
        {
          type: body.type,
          host: url.host,
          events: body.events,
        },
      );
      return c.json(view(row), 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/notification-channels",
      operationId: "listNotificationChannels",
      summary: "The tenant's notification channels (never their URLs)",
      tags,
      responses: { 200: json(ChannelList, "The channels", example.channels) },
    }),
    async (c) => {
      const rows = await listChannels(c.env.DB, c.get("tenantId"));
      return c.json({ channels: rows.map(view) }, 200);
    },
  )
  .openapi(
    apiRoute("edit", {
      method: "delete",
      path: "/notification-channels/{name}",
      operationId: "deleteNotificationChannel",
      summary: "Remove a notification channel",
      tags,
      request: { params: Name },
      responses: { 204: { description: "Removed" }, ...errors(400, 404) },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      if (!(await deleteChannel(c.env.DB, c.get("tenantId"), name))) {
        throw notFound(`notification channel ${name}`);
      }
      await audit(c, "channel.delete", { type: "channel", id: name });
      return c.body(null, 204);
    },
  );
