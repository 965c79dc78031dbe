import type { z } from "@hono/zod-openapi";
import type { Approval, Decision, Inbox } from "../schemas/approval";
import type { DecisionPage, DecisionToken, LinkDecision } from "../schemas/notification";
import { RUN_ID, T0, WORKFLOW_ID } from "./ids";

type Out<T extends z.ZodType> = z.output<T>;

export const decision: z.input<typeof Decision> = {
  decision: "approve",
  comment: "Address checked",
};

export const approval: Out<typeof Approval> = {
  nodeId: "ask",
  attempt: 1,
  iteration: 0,
  message: "Ship order ord_42?",
  required: 1,
  status: "approved",
  createdAt: T0 + 729,
  decidedAt: T0 + 2348,
  votes: [
    {
      by: "Ada Lovelace",
      userId: "usr_0mx8t9k2a1b7",
      decision: "approve",
      comment: "Address checked",
      at: T0 + 2347,
    },
  ],
};

export const inbox: Out<typeof Inbox> = {
  approvals: [
    {
      runId: RUN_ID,
      nodeId: "ask",
      attempt: 1,
      iteration: 0,
      parent: null,
      workflowId: WORKFLOW_ID,
      status: "pending",
      message: "Ship order ord_42?",
      form: null,
      required: 1,
      approvers: { roles: ["approver"] },
      rejectIf: "any",
      votes: [],
      createdAt: T0 + 729,
      expiresAt: null,
      decidedAt: null,
    },
  ],
  nextCursor: null,
};

/** A decision link's token (from the fragment of the link a notification carried). */
const TOKEN = "dl1.eyJydW4iOiJydW5fMG14OHQ5bXNqOGE2azNzaHFiNSJ9.Zk3pQ2R8s0";

export const decisionToken: z.input<typeof DecisionToken> = { token: TOKEN };

export const decisionPage: Out<typeof DecisionPage> = {
  runId: RUN_ID,
  nodeId: "ask",
  attempt: 1,
  message: "Ship order ord_42?",
  form: null,
  status: "pending",
  required: 1,
  votes: [],
  assignee: { id: "usr_0mx8t9k2a1b7", name: "Ada Lovelace" },
  expiresAt: T0 + 7 * 24 * 3600_000,
  used: false,
};

export const linkDecision: z.input<typeof LinkDecision> = {
  token: TOKEN,
  decision: "approve",
  comment: "Address checked",
};
