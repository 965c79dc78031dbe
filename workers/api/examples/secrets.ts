import type { z } from "@hono/zod-openapi";
import type { Channel, ChannelBody, ChannelList } from "../schemas/notification";
import type {
  SecretBindingBody,
  SecretBody,
  SecretList,
  SecretSaved,
  SecretView,
} from "../schemas/secret";
import { T0 } from "./ids";

type Out<T extends z.ZodType> = z.output<T>;

export const setSecret: z.input<typeof SecretBody> = {
  value: "sk_live_51H8...",
  allowedHosts: ["api.stripe.com", "*.stripe.com"],
};

export const secretSaved: Out<typeof SecretSaved> = {
  name: "STRIPE_KEY",
  updatedAt: T0,
  allowedHosts: ["api.stripe.com", "*.stripe.com"],
  bound: true,
};

export const bindSecret: z.input<typeof SecretBindingBody> = { allowedHosts: ["api.stripe.com"] };

export const secret: Out<typeof SecretView> = {
  name: "STRIPE_KEY",
  allowedHosts: ["api.stripe.com"],
  bound: true,
  createdAt: T0 - 86_400_000,
  updatedAt: T0,
};

export const secrets: Out<typeof SecretList> = {
  secrets: [
    {
      name: "LEGACY",
      allowedHosts: null,
      bound: false,
      createdAt: T0 - 172_800_000,
      updatedAt: T0 - 172_800_000,
    },
    secret,
  ],
  nextCursor: null,
};

export const setChannel: z.input<typeof ChannelBody> = {
  type: "slack",
  url: "https://hooks.slack.com/services/T000/B000/XXXX",
  events: ["approval", "run_failed"],
};

export const channel: Out<typeof Channel> = {
  name: "ops",
  type: "slack",
  host: "hooks.slack.com",
  events: ["approval", "run_failed"],
  origin: "https://aob.example.com",
  updatedAt: T0,
};

export const channels: Out<typeof ChannelList> = { channels: [channel] };
