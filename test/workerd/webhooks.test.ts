import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { claimDelivery } from "../../workers/api/deliveries";
import { sweep } from "../../workers/lifecycle/sweep";
import { api, createWorkflow, ECHO_WORKFLOW, waitForRun } from "./helpers";

const echo = ECHO_WORKFLOW;

interface Triggers {
  webhook: boolean;
  signature: boolean;
  webhookUrl?: string;
  signingSecret?: string;
}

const local = (url: string) => url.replace(/^https?:\/\/[^/]+/, "https://aob.test");

/** What a sender does: HMAC-SHA256 over `<timestamp>.<raw body>`, hex. */
async function sign(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`${timestamp}.${body}`),
  );
  return `sha256=${[...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  SELF.fetch(url, { method: "POST", headers, body });

const now = () => Math.floor(Date.now() / 1000);

async function counts(workflowId: string) {
  const runs = await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE workflow_id = ?")
    .bind(workflowId)
    .first<{ n: number }>();
  const keys = await env.DB.prepare(
    "SELECT count(*) AS n FROM trigger_deliveries WHERE workflow_id = ?",
  )
    .bind(workflowId)
    .first<{ n: number }>();
  return { runs: runs?.n, deliveries: keys?.n };
}

async function webhook(change: Record<string, unknown> = {}) {
  const id = await createWorkflow(echo);
  const set = await api<Triggers>("PUT", `/api/workflows/${id}/triggers`, {
    webhook: true,
    ...change,
  });
  expect(set.status).toBe(200);
  return { id, url: local(set.body.webhookUrl!), set: set.body };
}

describe("webhook bodies", () => {
  it("get the API's JSON limits: too deep, too long a string and too large are refused and start nothing", async () => {
    const { id, url } = await webhook();
    const deep = await post(url, `${"[".repeat(500_000)}${"]".repeat(500_000)}`);
    expect(deep.status).toBe(400);
    const body = (await deep.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.message).toMatch(/nested deeper than 64 levels/);
    const long = await post(url, JSON.stringify({ note: "x".repeat(100_001) }), {
      "idempotency-key": "long",
    });
    expect(long.status).toBe(400);
    expect(
      ((await long.json()) as { error: { details: { errors: { at: string }[] } } }).error.details
        .errors[0]?.at,
    ).toBe("note");
    const large = await post(url, JSON.stringify({ blob: "y".repeat(90_000) }).repeat(13));
    expect(large.status).toBe(413);
    expect(await counts(id)).toEqual({ runs: 0, deliveries: 0 });
    // No body at all is a null input.
    const empty = await post(url, "");
    expect(empty.status).toBe(202);
    const { runId } = (await empty.json()) as { runId: string };
    expect((await waitForRun(runId)).output).toBeNull();
  });

  it("that break the start node's inputSchema are refused with each path, and claim no key", async () => {
    const id = await createWorkflow({
      ...echo,
      nodes: [
        {
          id: "start",
          type: "start",
          config: {
            inputSchema: {
              type: "object",
              required: ["order"],
              properties: { order: { type: "string" } },
            },
          },
        },
        echo.nodes[1],
      ],
    });
    const set = await api<Triggers>("PUT", `/api/workflows/${id}/triggers`, { webhook: true });
    const url = local(set.body.webhookUrl!);
    const bad = await post(url, JSON.stringify({ order: 7 }), { "idempotency-key": "o-7" });
    expect(bad.status).toBe(400);
    const refusal = (await bad.json()) as { error: { details: { errors: { at: string }[] } } };
    expect(refusal.error.details.errors.map((e) => e.at)).toEqual(["input.order"]);
    expect(await counts(id)).toEqual({ runs: 0, deliveries: 0 });
    // The sender fixes the body and retries with the same key: it starts.
    const good = await post(url, JSON.stringify({ order: "A7" }), { "idempotency-key": "o-7" });
    expect(good.status).toBe(202);
    const { runId } = (await good.json()) as { runId: string };
    expect((await waitForRun(runId)).output).toEqual({ order: "A7" });
  });
});

describe("webhook signatures", () => {
  it("a signed delivery starts a run; a missing, malformed, wrong, stale or replayed signature is 401 with the reason and changes nothing", async () => {
    const { id, url, set } = await webhook({ signature: true });
    expect(set.signature).toBe(true);
    expect(set.signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const secret = set.signingSecret!;
    const read = await api<Triggers>("GET", `/api/workflows/${id}/triggers`);
    expect(read.body).toEqual({ workflowId: id, webhook: true, cron: null, signature: true });

    const body = JSON.stringify({ order: 7 });
    const refused = async (headers: Record<string, string>, reason: RegExp) => {
      const res = await post(url, body, headers);
      expect(res.status).toBe(401);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe("unauthorized");
      expect(error.message).toMatch(reason);
    };
    const t = now();
    await refused({}, /requires a signature: X-Aob-Timestamp and X-Aob-Signature missing/);
    await refused({ "x-aob-signature": await sign(secret, t, body) }, /X-Aob-Timestamp missing/);
    await refused(
      { "x-aob-timestamp": String(t), "x-aob-signature": "sha256=zz" },
      /must be sha256=<64 hex digits>/,
    );
    await refused(
      { "x-aob-timestamp": "yesterday", "x-aob-signature": await sign(secret, t, body) },
      /Unix time in whole seconds/,
    );
    await refused(
      { "x-aob-timestamp": String(t), "x-aob-signature": await sign("whsec_other", t, body) },
      /does not match/,
    );
    // Signed for another body, or another time, than the one sent.
    await refused(
      { "x-aob-timestamp": String(t), "x-aob-signature": await sign(secret, t, "{}") },
      /does not match/,
    );
    await refused(
      { "x-aob-timestamp": String(t), "x-aob-signature": await sign(secret, t - 1, body) },
      /does not match/,
    );
    // A delivery captured ten minutes ago, replayed now: valid signature, stale timestamp.
    // (The server's clock may have ticked past `t` since: 600 or 601 s.)
    await refused(
      {
        "x-aob-timestamp": String(t - 600),
        "x-aob-signature": await sign(secret, t - 600, body),
      },
      /60[01] s away from the server's clock; at most 300 s/,
    );
    await refused(
      {
        "x-aob-timestamp": String(t + 400),
        "x-aob-signature": await sign(secret, t + 400, body),
      },
      /away from the server's clock/,
    );
    expect(await counts(id)).toEqual({ runs: 0, deliveries: 0 });

    const headers = {
      "x-aob-timestamp": String(t),
      "x-aob-signature": await sign(secret, t, body),
    };
    const ok = await post(url, body, headers);
    expect(ok.status).toBe(202);
    const { runId } = (await ok.json()) as { runId: string };
    expect((await waitForRun(runId)).output).toEqual({ order: 7 });
    // The same signed delivery again, inside the window: the first run, nothing new.
    const replay = await post(url, body, headers);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ runId, deduplicated: true });
    expect((await counts(id)).runs).toBe(1);
  });

  it("rotating the signing secret retires the old one; turning signing off accepts unsigned deliveries again", async () => {
    const { id, url, set } = await webhook({ signature: true });
    const old = set.signingSecret!;
    const rotated = await api<Triggers>("PUT", `/api/workflows/${id}/triggers`, {
      rotateSigningSecret: true,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhookUrl).toBeUndefined();
    const fresh = rotated.body.signingSecret!;
    expect(fresh).not.toBe(old);
    const t = now();
    const body = '{"n":1}';
    const withOld = await post(url, body, {
      "x-aob-timestamp": String(t),
      "x-aob-signature": await sign(old, t, body),
    });
    expect(withOld.status).toBe(401);
    const withNew = await post(url, body, {
      "x-aob-timestamp": String(t),
      "x-aob-signature": await sign(fresh, t, body),
    });
    expect(withNew.status).toBe(202);

    const off = await api<Triggers>("PUT", `/api/workflows/${id}/triggers`, { signature: false });
    expect(off.body).toEqual({ workflowId: id, webhook: true, cron: null, signature: false });
    expect((await post(url, body)).status).toBe(202);
    expect((await counts(id)).runs).toBe(2);
  });

  it("refuses signing without a webhook, and rotation while turning it off, with the field's path", async () => {
    const id = await createWorkflow(echo);
    const lone = await api<{ error: { details: { errors: { at: string; message: string }[] } } }>(
      "PUT",
      `/api/workflows/${id}/triggers`,
      { signature: true },
    );
    expect(lone.status).toBe(400);
    expect(lone.body.error.details.errors[0]).toMatchObject({
      at: "signature",
      message: "signing needs a webhook: send webhook: true too",
    });
    const both = await api<{ error: { details: { errors: { at: string }[] } } }>(
      "PUT",
      `/api/workflows/${id}/triggers`,
      { webhook: true, signature: false, rotateSigningSecret: true },
    );
    expect(both.status).toBe(400);
    expect(both.body.error.details.errors[0]?.at).toBe("rotateSigningSecret");
    const read = await api<Triggers>("GET", `/api/workflows/${id}/triggers`);
    expect(read.body).toEqual({ workflowId: id, webhook: false, cron: null, signature: false });
  });
});

describe("webhook idempotency", () => {
  it("a key whose request died before starting its run is taken over after the lease, with the run id it recorded", async () => {
    const { id, url } = await webhook();
    // What a request that crashed after claiming the key leaves behind: the claim, no run.
    await env.DB.prepare(
      "INSERT INTO trigger_deliveries (workflow_id, key, run_id, created_at) VALUES (?, 'hook:crashed', 'run_crashedclaim', ?), (?, 'hook:busy', 'run_busyclaim', ?)",
    )
      .bind(id, Date.now() - 60_000, id, Date.now())
      .run();
    const busy = await post(url, "{}", { "idempotency-key": "busy" });
    expect(busy.status).toBe(409);
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const retried = await post(url, '{"late":true}', { "idempotency-key": "crashed" });
    expect(retried.status).toBe(202);
    expect(await retried.json()).toEqual({ runId: "run_crashedclaim", deduplicated: false });
    const again = await post(url, '{"late":true}', { "idempotency-key": "crashed" });
    expect(await again.json()).toEqual({ runId: "run_crashedclaim", deduplicated: true });
    expect((await waitForRun("run_crashedclaim")).output).toEqual({ late: true });
  });

  it("a key is remembered for its window (24 h): after it a repeat starts a new run, and the sweep deletes the record", async () => {
    const { id, url } = await webhook();
    const first = await post(url, '{"n":1}', { "idempotency-key": "daily" });
    const { runId } = (await first.json()) as { runId: string };
    await waitForRun(runId);
    const repeat = await post(url, '{"n":2}', { "idempotency-key": "daily" });
    expect(await repeat.json()).toEqual({ runId, deduplicated: true });

    // A day and a bit later the key is new again: a claim then starts another run.
    const later = Date.now() + 25 * 3_600_000;
    const claim = await claimDelivery(env, id, "hook:daily", later);
    expect(claim.kind).toBe("claimed");
    expect(claim).not.toMatchObject({ runId });

    // The sweep deletes records past the window; a repeat after it starts a new run.
    await env.DB.prepare("UPDATE trigger_deliveries SET created_at = ? WHERE workflow_id = ?")
      .bind(Date.now() - 25 * 3_600_000, id)
      .run();
    await sweep(env, Date.now());
    const left = await env.DB.prepare(
      "SELECT count(*) AS n FROM trigger_deliveries WHERE workflow_id = ?",
    )
      .bind(id)
      .first<{ n: number }>();
    expect(left!.n).toBe(0);
    const fresh = await post(url, '{"n":3}', { "idempotency-key": "daily" });
    expect(fresh.status).toBe(202);
    const body = (await fresh.json()) as { runId: string; deduplicated: boolean };
    expect(body.deduplicated).toBe(false);
    expect(body.runId).not.toBe(runId);
    expect((await waitForRun(body.runId)).output).toEqual({ n: 3 });
  });
});
