import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { poll } from "../support/poll";
import { api, type RunBody } from "./helpers";
import { personRows } from "./setup";

/*
 * People and approvals (docs/PEOPLE.md): users, roles and their keys, assigned approvals whose
 * quorum counts users, and the audit log. Its own tenant, so the audit log is this file's.
 */

const ADMIN = "aob_test_key_people_admin";
const TENANT = "t_people";

interface User {
  id: string;
  name: string;
  email: string | null;
  roles: string[];
}

/** A user made through the API, with one key of the given scopes. */
async function person(name: string, roles: string[], scopes: string[], email?: string) {
  const user = await api<User>(
    "POST",
    "/api/users",
    { name, roles, ...(email ? { email } : {}) },
    ADMIN,
  );
  expect(user.status, JSON.stringify(user.body)).toBe(201);
  const key = await api<{ key: string; id: string }>(
    "POST",
    `/api/users/${user.body.id}/keys`,
    { name: `${name}'s key`, scopes },
    ADMIN,
  );
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  return { user: user.body, key: key.body.key, keyId: key.body.id };
}

function approvalFlow(config: Record<string, unknown>) {
  return {
    name: `people ${crypto.randomUUID()}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "review", type: "approval", config: { message: "Ship it?", ...config } },
      { id: "ship", type: "transform", config: { expression: "'shipped'" } },
      { id: "drop", type: "transform", config: { expression: "'dropped'" } },
      {
        id: "done",
        type: "end",
        join: "any",
        config: { output: { review: "{{ nodes.review.output }}" } },
      },
    ],
    edges: [
      { from: "start", to: "review" },
      { from: "review", to: "ship", on: "approved" },
      { from: "review", to: "drop", on: "rejected" },
      { from: "ship", to: "done" },
      { from: "drop", to: "done" },
    ],
  };
}

/** A run of a new workflow, parked at its approval. */
async function waitingRun(config: Record<string, unknown>): Promise<string> {
  const created = await api<{ id: string }>("POST", "/api/workflows", approvalFlow(config), ADMIN);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const started = await api<{ runId: string }>(
    "POST",
    `/api/workflows/${created.body.id}/runs`,
    {},
    ADMIN,
  );
  const runId = started.body.runId;
  await poll(
    `run ${runId} to wait`,
    async () => (await api<RunBody>("GET", `/api/runs/${runId}`, undefined, ADMIN)).body,
    (r) => r.status !== "running",
  );
  return runId;
}

const vote = (runId: string, key: string, decision: "approve" | "reject") =>
  api<{
    status: string;
    votes: { by: string; userId?: string }[];
    error?: { code: string; message: string };
  }>("POST", `/api/runs/${runId}/approvals/review`, { decision }, key);

let ann: Awaited<ReturnType<typeof person>>;
let bob: Awaited<ReturnType<typeof person>>;
let cat: Awaited<ReturnType<typeof person>>;

beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare("INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES (?, ?, 0)").bind(
      TENANT,
      "People",
    ),
    ...(await personRows({
      tenantId: TENANT,
      userId: "usr_people_admin",
      name: "Ada Admin",
      roles: ["admin"],
      keyId: "k_people_admin",
      key: ADMIN,
      scopes: ["read", "run", "edit", "approve", "admin"],
    })),
  ]);
  ann = await person("Ann", ["approver"], ["read", "approve"], "Ann@Example.com");
  bob = await person("Bob", ["approver"], ["read", "approve"]);
  cat = await person("Cat", ["approver", "operator"], ["read", "approve", "run"]);
});

describe("assigned approvals", () => {
  it("a quorum of 2 is met only by two distinct users: two keys of one user count once", async () => {
    const second = await api<{ key: string }>(
      "POST",
      `/api/users/${ann.user.id}/keys`,
      { name: "Ann's laptop", scopes: ["approve"] },
      ADMIN,
    );
    const runId = await waitingRun({ quorum: 2 });

    const first = await vote(runId, ann.key, "approve");
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("pending");
    expect(first.body.votes).toMatchObject([{ by: "Ann", userId: ann.user.id }]);
    const again = await vote(runId, second.body.key, "approve");
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toContain("Ann already voted");

    const decided = await vote(runId, bob.key, "approve");
    expect(decided.body.status).toBe("approved");
    const run = await waitForRunAs(runId);
    expect(run.output).toMatchObject({
      review: {
        decision: "approved",
        by: ["Ann", "Bob"],
        votes: [{ userId: ann.user.id }, { userId: bob.user.id }],
      },
    });
  });

  it("refuses an unassigned user with 403 and records nothing; assigns by email and by role", async () => {
    const runId = await waitingRun({ approvers: { users: ["ann@example.com"] } });
    const refused = await vote(runId, bob.key, "approve");
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe("not_assigned");
    const view = await api<{ approvals: { votes: unknown[] }[] }>(
      "GET",
      `/api/runs/${runId}`,
      undefined,
      ADMIN,
    );
    expect(view.body.approvals[0]?.votes).toEqual([]);

    // The inbox shows each person what waits for them.
    const mine = async (key: string) =>
      (
        await api<{ approvals: { runId: string }[] }>(
          "GET",
          "/api/approvals?for=me",
          undefined,
          key,
        )
      ).body.approvals.map((a) => a.runId);
    await poll(
      "the approval in Ann's inbox",
      () => mine(ann.key),
      (ids) => ids.includes(runId),
    );
    expect(await mine(bob.key)).not.toContain(runId);

    expect((await vote(runId, ann.key, "approve")).body.status).toBe("approved");

    const byRole = await waitingRun({ approvers: { roles: ["operator"] } });
    expect((await vote(byRole, ann.key, "approve")).status).toBe(403);
    expect((await vote(byRole, cat.key, "approve")).body.status).toBe("approved");
  });

  it("rejectIf majority: one rejection of a quorum of 2 waits, a second rejects", async () => {
    const runId = await waitingRun({ quorum: 2, rejectIf: "majority" });
    expect((await vote(runId, ann.key, "reject")).body.status).toBe("pending");
    expect((await vote(runId, bob.key, "approve")).body.status).toBe("pending");
    expect((await vote(runId, cat.key, "reject")).body.status).toBe("rejected");
    expect((await waitForRunAs(runId)).output).toMatchObject({ review: { decision: "rejected" } });
  });

  it("checks the named approvers when the workflow is saved, with the path of each", async () => {
    const viewer = await person("Vic", ["viewer"], ["read"]);
    const res = await api<{ error: { details: { errors: { at: string; message: string }[] } } }>(
      "POST",
      "/api/workflows",
      approvalFlow({ approvers: { users: [ann.user.id, "usr_nobody", viewer.user.id] } }),
      ADMIN,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors.map((e) => e.at)).toEqual([
      "nodes[1].config.approvers.users[1]",
      "nodes[1].config.approvers.users[2]",
    ]);
    expect(res.body.error.details.errors[1]?.message).toContain("approver role");
    // The builder's check while editing says the same before any save.
    const checked = await api<{ valid: boolean; errors: { at: string }[] }>(
      "POST",
      "/api/workflows/validate",
      approvalFlow({ approvers: { users: [ann.user.id, "usr_nobody"] } }),
      ADMIN,
    );
    expect(checked.body).toMatchObject({ valid: false });
    expect(checked.body.errors.map((e) => e.at)).toEqual(["nodes[1].config.approvers.users[1]"]);
    const both = await api(
      "POST",
      "/api/workflows",
      approvalFlow({ quorum: 2, required: 2 }),
      ADMIN,
    );
    expect(both.status).toBe(400);
  });
});

describe("users and keys", () => {
  it("never makes a key wider than its user, and narrows every key when roles change", async () => {
    const wider = await api<{ error: { details: { errors: { at: string }[] } } }>(
      "POST",
      `/api/users/${bob.user.id}/keys`,
      { name: "too wide", scopes: ["read", "run"] },
      ADMIN,
    );
    expect(wider.status).toBe(400);
    expect(wider.body.error.details.errors.map((e) => e.at)).toEqual(["scopes[1]"]);

    const dan = await person("Dan", ["approver", "editor"], ["read", "approve", "edit"]);
    const me = await api<{ user: User; scopes: string[] }>(
      "GET",
      "/api/sessions/current",
      undefined,
      dan.key,
    );
    expect(me.body.user).toMatchObject({ id: dan.user.id, roles: ["approver", "editor"] });
    expect(me.body.scopes).toEqual(["read", "edit", "approve"]);

    const changed = await api("PATCH", `/api/users/${dan.user.id}`, { roles: ["viewer"] }, ADMIN);
    expect(changed.status).toBe(200);
    const after = await api<{ scopes: string[] }>(
      "GET",
      "/api/sessions/current",
      undefined,
      dan.key,
    );
    expect(after.body.scopes).toEqual(["read"]);
    expect((await api("PUT", "/api/secrets/DANS", { value: "x" }, dan.key)).status).toBe(403);
  });

  it("deleting a user revokes their keys; the tenant keeps an admin", async () => {
    const eve = await person("Eve", ["viewer"], ["read"]);
    expect((await api("GET", "/api/workflows", undefined, eve.key)).status).toBe(200);
    expect((await api("DELETE", `/api/users/${eve.user.id}`, undefined, ADMIN)).status).toBe(204);
    const refused = await api<{ error: { code: string } }>(
      "GET",
      "/api/workflows",
      undefined,
      eve.key,
    );
    expect(refused.status).toBe(401);
    const listed = await api<{ users: (User & { deletedAt: number | null })[] }>(
      "GET",
      "/api/users?limit=500",
      undefined,
      ADMIN,
    );
    expect(listed.body.users.find((u) => u.id === eve.user.id)?.deletedAt).toBeTypeOf("number");

    const last = await api<{ error: { code: string } }>(
      "PATCH",
      "/api/users/usr_people_admin",
      { roles: ["viewer"] },
      ADMIN,
    );
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe("last_admin");
    const taken = await api<{ error: { code: string } }>(
      "POST",
      "/api/users",
      { name: "Ann again", email: "ANN@example.com", roles: ["viewer"] },
      ADMIN,
    );
    expect(taken.status).toBe(409);
  });
});

describe("the audit log", () => {
  it("records each kind of action with who, what and from where, and only admins read it", async () => {
    const as = (method: string, path: string, body?: unknown) =>
      api<Record<string, unknown>>(method, path, body, ADMIN);
    const wf = (await as("POST", "/api/workflows", approvalFlow({}))).body.id as string;
    await as("PUT", `/api/workflows/${wf}`, approvalFlow({ quorum: 1 }));
    await as("PUT", `/api/workflows/${wf}/triggers`, { webhook: true });
    await as("PUT", "/api/secrets/AUDITED", { value: "s3cr3t-value" });
    await as("DELETE", "/api/secrets/AUDITED");
    await as("PUT", "/api/retention", { days: 30 });
    await as("PUT", `/api/workflows/${wf}/retention`, { days: 7 });
    await as("DELETE", `/api/workflows/${wf}/retention`);
    const runId = (await as("POST", `/api/workflows/${wf}/runs`, {})).body.runId as string;
    await poll(
      "the run to wait",
      async () => (await as("GET", `/api/runs/${runId}`)).body.status,
      (s) => s === "waiting",
    );
    await as("POST", `/api/runs/${runId}/patches`, {
      ops: [
        { op: "add_node", node: { id: "extra", type: "transform", config: { expression: "1" } } },
      ],
    });
    await as("POST", `/api/runs/${runId}/cancel`);
    await as("PUT", `/api/runs/${runId}/hold`, { held: true });
    await as("PUT", `/api/runs/${runId}/hold`, { held: false });
    await as("DELETE", `/api/runs/${runId}`);
    const decided = await waitingRun({});
    await vote(decided, ann.key, "approve");
    const fay = await person("Fay", ["viewer"], ["read"]);
    await as("PATCH", `/api/users/${fay.user.id}`, { name: "Fay F." });
    await as("DELETE", `/api/keys/${fay.keyId}`);
    await as("DELETE", `/api/users/${fay.user.id}`);
    await as("DELETE", `/api/workflows/${wf}`);
    const signIn = await SELF.fetch("https://aob.test/api/sessions", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-aob-csrf": "1",
        origin: "https://aob.test",
        "cf-connecting-ip": "203.0.113.7",
      },
      body: JSON.stringify({ key: ADMIN }),
    });
    expect(signIn.status).toBe(201);

    const entries: {
      action: string;
      actor: { name: string };
      target: unknown;
      details: unknown;
      ip: string | null;
    }[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { entries: typeof entries; nextCursor: string | null } } =
        await api(
          "GET",
          `/api/audit?limit=10${cursor ? `&cursor=${cursor}` : ""}`,
          undefined,
          ADMIN,
        );
      expect(page.status).toBe(200);
      entries.push(...page.body.entries);
      cursor = page.body.nextCursor;
    } while (cursor);
    const actions = new Set(entries.map((e) => e.action));
    expect([...actions].sort()).toEqual(
      [
        "workflow.create",
        "workflow.update",
        "workflow.delete",
        "trigger.update",
        "secret.put",
        "secret.delete",
        "key.create",
        "key.revoke",
        "user.create",
        "user.update",
        "user.delete",
        "retention.update",
        "retention.delete",
        "approval.decide",
        "run.patch",
        "run.cancel",
        "run.delete",
        "run.hold",
        "session.create",
      ].sort(),
    );
    expect(entries[0]).toMatchObject({
      action: "session.create",
      actor: { name: "Ada Admin" },
      ip: "203.0.113.7",
    });
    expect(entries.find((e) => e.action === "approval.decide")).toMatchObject({
      actor: { name: "Ann" },
      target: { type: "run", id: decided },
      details: { nodeId: "review", decision: "approve" },
    });
    expect(JSON.stringify(entries)).not.toContain("s3cr3t-value");

    const filtered = await api<{ entries: { action: string }[] }>(
      "GET",
      "/api/audit?action=secret.put",
      undefined,
      ADMIN,
    );
    expect(filtered.body.entries.map((e) => e.action)).toEqual(["secret.put"]);
    expect((await api("GET", "/api/audit", undefined, ann.key)).status).toBe(403);
    expect((await api("GET", "/api/audit?action=nothing", undefined, ADMIN)).status).toBe(400);
  });
});

async function waitForRunAs(runId: string): Promise<RunBody> {
  return poll(
    `run ${runId} to end`,
    async () => (await api<RunBody>("GET", `/api/runs/${runId}`, undefined, ADMIN)).body,
    (run) => ["completed", "failed", "cancelled"].includes(run.status),
  );
}
