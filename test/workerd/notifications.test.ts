import { env } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { signDecisionLink } from "../../platform/decision-links";
import { poll } from "../support/poll";
import { api, elapse, type RunBody } from "./helpers";
import { personRows } from "./setup";

/*
 * Notifications and decision links (docs/PEOPLE.md): channels receive an approval in aob's
 * JSON form and in Slack's, through a real server on 127.0.0.1 (test/support/http-fixture.ts),
 * with a retry after a 503; each assignee's link decides once, as them; an escalation asks a
 * second group before the timeout port. Its own tenant.
 */

const fixture = inject("fixtureUrl");
const ADMIN = "aob_test_key_notify_admin";
const TENANT = "t_notify";
const tag = crypto.randomUUID().slice(0, 8);

interface Assignee {
  userId: string;
  name: string;
  decideUrl: string;
  approveUrl: string;
}
interface JsonNotice {
  type: string;
  runId: string;
  message: string;
  assignees: Assignee[];
}
interface Inbox<B> {
  requests: number;
  bodies: B[];
}
interface Event {
  type: string;
  nodeId?: string;
  data?: Record<string, unknown>;
}

const as = <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  key = ADMIN,
) => api<T>(method, path, body, key);

async function inbox<B>(name: string): Promise<Inbox<B>> {
  return (await fetch(`${fixture}/inbox/read/${name}`)).json() as Promise<Inbox<B>>;
}

async function person(name: string, email: string) {
  const user = await as<{ id: string }>("POST", "/api/users", { name, email, roles: ["approver"] });
  const key = await as<{ key: string }>("POST", `/api/users/${user.body.id}/keys`, {
    name,
    scopes: ["read", "approve"],
  });
  return { id: user.body.id, key: key.body.key };
}

const flow = (config: Record<string, unknown>) => ({
  name: `notify ${crypto.randomUUID()}`,
  nodes: [
    { id: "start", type: "start" },
    { id: "review", type: "approval", config: { message: "Ship {{ input.item }}?", ...config } },
    { id: "ship", type: "end", config: { output: { result: "shipped" } } },
    { id: "late", type: "end", config: { output: { result: "too late" } } },
  ],
  edges: [
    { from: "start", to: "review" },
    { from: "review", to: "ship", on: "approved" },
    { from: "review", to: "late", on: "timeout" },
  ],
});

async function waitingRun(config: Record<string, unknown>): Promise<string> {
  const created = await as<{ id: string }>("POST", "/api/workflows", flow(config));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const started = await as<{ runId: string }>("POST", `/api/workflows/${created.body.id}/runs`, {
    input: { item: "crate" },
  });
  const runId = started.body.runId;
  await poll(
    `run ${runId} to wait`,
    async () => (await as<RunBody>("GET", `/api/runs/${runId}`)).body.status,
    (s) => s === "waiting",
  );
  return runId;
}

const events = async (runId: string) =>
  (await as<{ events: Event[] }>("GET", `/api/runs/${runId}/events`)).body.events;

let ann: Awaited<ReturnType<typeof person>>;
let bob: Awaited<ReturnType<typeof person>>;

beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare("INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES (?, ?, 0)").bind(
      TENANT,
      "Notify",
    ),
    ...(await personRows({
      tenantId: TENANT,
      userId: "usr_notify_admin",
      name: "Ada Admin",
      roles: ["admin"],
      keyId: "k_notify_admin",
      key: ADMIN,
      scopes: ["read", "run", "edit", "approve", "admin"],
    })),
  ]);
  ann = await person("Ann", `ann-${tag}@example.com`);
  bob = await person("Bob", `bob-${tag}@example.com`);
  // aob's JSON form for every approval; its first delivery fails with 503.
  const ops = await as("PUT", "/api/notification-channels/ops", {
    type: "webhook",
    url: `${fixture}/inbox/1/ops-${tag}`,
  });
  expect(ops.status, JSON.stringify(ops.body)).toBe(200);
  // Slack's form, only where a node names it.
  const team = await as("PUT", "/api/notification-channels/team", {
    type: "slack",
    url: `${fixture}/inbox/0/team-${tag}`,
    events: [],
  });
  expect(team.status).toBe(200);
});

describe("notification channels", () => {
  it("keep their URL sealed and refuse one the SSRF guard refuses, and names that do not exist", async () => {
    const listed = await as<{ channels: { name: string; host: string; url?: string }[] }>(
      "GET",
      "/api/notification-channels",
    );
    expect(listed.body.channels.map((c) => c.name)).toEqual(["ops", "team"]);
    expect(JSON.stringify(listed.body)).not.toContain(`ops-${tag}`);
    const metadata = await as<{ error: { details: { errors: { at: string }[] } } }>(
      "PUT",
      "/api/notification-channels/bad",
      { type: "webhook", url: "http://169.254.169.254/latest" },
    );
    expect(metadata.status).toBe(400);
    expect(metadata.body.error.details.errors[0]?.at).toBe("url");
    const unknown = await as<{ error: { details: { errors: { at: string }[] } } }>(
      "POST",
      "/api/workflows",
      flow({ notify: ["nowhere"] }),
    );
    expect(unknown.body.error.details.errors.map((e) => e.at)).toEqual([
      "nodes[1].config.notify[0]",
    ]);
    expect(
      (await as("PUT", "/api/notification-channels/x", { type: "webhook", url: fixture }, ann.key))
        .status,
    ).toBe(403);
  });
});

describe("a failed run's notification", () => {
  it("reaches the channels that asked for failures, with the error", async () => {
    const set = await as("PUT", "/api/notification-channels/failures", {
      type: "webhook",
      url: `${fixture}/inbox/0/failures-${tag}`,
      events: ["run_failed"],
    });
    expect(set.status).toBe(200);
    const created = await as<{ id: string }>("POST", "/api/workflows", {
      name: `fails ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        { id: "boom", type: "transform", config: { expression: "$error('out of stock')" } },
      ],
      edges: [{ from: "start", to: "boom" }],
    });
    const { runId } = (
      await as<{ runId: string }>("POST", `/api/workflows/${created.body.id}/runs`, {})
    ).body;
    const got = await poll(
      "the failure's notification",
      () =>
        inbox<{ type: string; runId: string; error: { nodeId: string; message: string } }>(
          `failures-${tag}`,
        ),
      (i) => i.bodies.some((b) => b.runId === runId),
    );
    expect(got.bodies.find((b) => b.runId === runId)).toMatchObject({
      type: "run.failed",
      error: { nodeId: "boom" },
    });
    expect(JSON.stringify(got.bodies)).toContain("out of stock");
    expect((await as("DELETE", "/api/notification-channels/failures")).status).toBe(204);
    const audit = await as<{
      entries: { action: string; target: { id: string }; details: unknown }[];
    }>("GET", "/api/audit?limit=5");
    expect(audit.body.entries.map((e) => [e.action, e.target.id])).toContainEqual([
      "channel.delete",
      "failures",
    ]);
    expect(audit.body.entries.find((e) => e.action === "channel.put")?.details).toMatchObject({
      host: new URL(fixture).host,
    });
    expect(JSON.stringify(audit.body)).not.toContain(`failures-${tag}`);
  });
});

describe("an approval's notifications and decision links", () => {
  it("reach both channels in their forms, the JSON one after a 503, each a run event", async () => {
    const runId = await waitingRun({ approvers: { users: [ann.id] }, notify: ["team"] });
    const ops = await poll(
      "the JSON notification, after its retry",
      () => inbox<JsonNotice>(`ops-${tag}`),
      (i) => i.bodies.some((b) => b.runId === runId),
      { timeoutMs: 15_000 },
    );
    expect(ops.requests).toBeGreaterThanOrEqual(2);
    const notice = ops.bodies.find((b) => b.runId === runId)!;
    expect(notice).toMatchObject({ type: "approval.requested", message: "Ship crate?" });
    expect(notice.assignees.map((a) => a.name)).toEqual(["Ann"]);
    const slack = await poll(
      "the Slack notification",
      () =>
        inbox<{ text: string; blocks: { type: string; elements?: { url?: string }[] }[] }>(
          `team-${tag}`,
        ),
      (i) => i.bodies.some((b) => JSON.stringify(b).includes(runId)),
    );
    const message = slack.bodies.find((b) => JSON.stringify(b).includes(runId))!;
    expect(message.text).toContain("Approval needed: Ship crate?");
    const buttons = message.blocks
      .flatMap((b) => b.elements ?? [])
      .flatMap((e) => (e.url ? [e.url] : []));
    expect(buttons).toHaveLength(2);
    expect(buttons[0]).toContain("/decide?decision=approve#");

    const sent = await poll(
      "both notifications recorded in the run",
      async () => (await events(runId)).filter((e) => e.type === "notification_sent"),
      (list) => list.length === 2,
    );
    expect(sent.map((e) => e.data?.channel).sort()).toEqual(["ops", "team"]);
    expect(sent.find((e) => e.data?.channel === "ops")?.data?.tries).toBe(2);
  });

  it("a link decides once, as its assignee; a changed or expired one is refused", async () => {
    const runId = await waitingRun({ approvers: { users: [ann.id, bob.id] }, quorum: 2 });
    const notice = (
      await poll(
        "the notification",
        () => inbox<JsonNotice>(`ops-${tag}`),
        (i) => i.bodies.some((b) => b.runId === runId),
        { timeoutMs: 15_000 },
      )
    ).bodies.find((b) => b.runId === runId)!;
    const tokenOf = (name: string) =>
      notice.assignees.find((a) => a.name === name)!.approveUrl.split("#")[1]!;
    const annToken = tokenOf("Ann");

    const view = await api<{ assignee: { name: string }; message: string; used: boolean }>(
      "POST",
      "/api/decisions/view",
      { token: annToken },
      "",
    );
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      assignee: { name: "Ann" },
      message: "Ship crate?",
      used: false,
    });

    // Another assignee's name put into Ann's link breaks its signature.
    const [payload, signature] = annToken.split(".");
    const forged = btoa(
      atob(payload!.replaceAll("-", "+").replaceAll("_", "/")).replace(ann.id, bob.id),
    )
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replaceAll("=", "");
    const refused = await api(
      "POST",
      "/api/decisions",
      { token: `${forged}.${signature}`, decision: "approve" },
      "",
    );
    expect(refused.status).toBe(403);

    const decided = await api<{ status: string; votes: { by: string; userId: string }[] }>(
      "POST",
      "/api/decisions",
      { token: annToken, decision: "approve", comment: "from the link" },
      "",
    );
    expect(decided.status).toBe(200);
    expect(decided.body.votes).toMatchObject([{ by: "Ann", userId: ann.id }]);
    const again = await api("POST", "/api/decisions", { token: annToken, decision: "approve" }, "");
    expect(again.status).toBe(409);

    const expired = await signDecisionLink(env, {
      id: crypto.randomUUID(),
      tenantId: TENANT,
      runId,
      nodeId: "review",
      attempt: 1,
      userId: bob.id,
      expiresAt: Date.now() - 1,
    });
    expect(
      (await api("POST", "/api/decisions", { token: expired, decision: "approve" }, "")).status,
    ).toBe(410);

    const bobs = await api<{ status: string }>(
      "POST",
      "/api/decisions",
      { token: tokenOf("Bob"), decision: "approve" },
      "",
    );
    expect(bobs.body.status).toBe("approved");
    const audit = await as<{ entries: { actor: { name: string }; details: { via?: string } }[] }>(
      "GET",
      "/api/audit?action=approval.decide",
    );
    expect(audit.body.entries.slice(0, 2).map((e) => [e.actor.name, e.details.via])).toEqual([
      ["Bob", "decision link"],
      ["Ann", "decision link"],
    ]);
  });

  it("escalates at the first timeout: asks the second group, who may then decide; the next timeout takes the timeout port", async () => {
    const runId = await waitingRun({
      approvers: { users: [ann.id] },
      timeoutSeconds: 60,
      escalate: { approvers: { users: [`bob-${tag}@example.com`] }, timeoutSeconds: 60 },
    });
    const vote = () =>
      as("POST", `/api/runs/${runId}/approvals/review`, { decision: "approve" }, bob.key);
    expect((await vote()).status).toBe(403);

    expect(await elapse(runId)).toBe(true);
    const escalated = (await events(runId)).find((e) => e.type === "approval_escalated");
    expect(escalated?.data?.until).toBeTypeOf("number");
    const asked = await poll(
      "the escalation's notification",
      () => inbox<JsonNotice>(`ops-${tag}`),
      (i) => i.bodies.some((b) => b.runId === runId && b.type === "approval.escalated"),
      { timeoutMs: 15_000 },
    );
    expect(
      asked.bodies
        .find((b) => b.runId === runId && b.type === "approval.escalated")
        ?.assignees.map((a) => a.name),
    ).toEqual(["Bob"]);
    const mine = await as<{ approvals: { runId: string }[] }>(
      "GET",
      "/api/approvals?for=me",
      undefined,
      bob.key,
    );
    await poll(
      "the escalated approval in Bob's inbox",
      async () =>
        (
          await as<{ approvals: { runId: string }[] }>(
            "GET",
            "/api/approvals?for=me",
            undefined,
            bob.key,
          )
        ).body.approvals,
      (list) => list.some((a) => a.runId === runId),
    );
    expect(mine.status).toBe(200);

    expect(await elapse(runId)).toBe(true);
    const run = await poll(
      "the run to take the timeout port",
      async () => (await as<RunBody & { output?: unknown }>("GET", `/api/runs/${runId}`)).body,
      (r) => r.status === "completed",
    );
    expect(run.output).toEqual({ result: "too late" });
  });
});
