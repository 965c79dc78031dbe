import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../workers/api/auth";
import { poll } from "../support/poll";
import { api, createWorkflow, startRun } from "./helpers";
import { check, type Document } from "./openapi-doc";
import { TEST_KEY } from "./setup";

const ORIGIN = "https://aob.test";
const CSRF = { "x-aob-csrf": "1" };

let doc: Document;
beforeAll(async () => {
  doc = (await (await SELF.fetch(`${ORIGIN}/openapi.json`)).json()) as Document;
});

/** Checks an answer's body against the schema the document gives for its status. */
async function documented(path: string, method: string, status: number, body: unknown) {
  const schema =
    doc.paths[path]?.[method]?.responses[String(status)]?.content?.["application/json"]?.schema;
  expect(schema, `${method} ${path} ${status} is documented`).toBeDefined();
  expect(await check(doc, schema!, body)).toEqual([]);
}

/** Signs in like the web UI; returns the cookie header to send back and the raw Set-Cookie. */
async function signIn(key: string, origin = ORIGIN) {
  const res = await SELF.fetch(`${origin}/api/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...CSRF },
    body: JSON.stringify({ key }),
  });
  const setCookie = res.headers.get("set-cookie") ?? "";
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    setCookie,
    cookie: setCookie.split(";")[0] ?? "",
  };
}

/** A call that carries only the cookie, like the browser's. */
async function withCookie(cookie: string, method: string, path: string, body?: unknown) {
  const res = await SELF.fetch(`${ORIGIN}${path}`, {
    method,
    headers: {
      cookie,
      ...(method === "GET" ? {} : CSRF),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : null) as {
      error?: { code: string; message: string };
    } & Record<string, unknown>,
  };
}

async function newKey(name: string): Promise<{ id: string; key: string }> {
  const res = await api<{ id: string; key: string }>("POST", "/api/keys", {
    name,
    scopes: ["read", "run"],
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** A run that waits for an approval, so it stays open to watch. */
async function waitingRun(): Promise<string> {
  const id = await createWorkflow({
    name: "watched",
    nodes: [
      { id: "start", type: "start" },
      { id: "gate", type: "approval", config: { message: "go?" } },
    ],
    edges: [{ from: "start", to: "gate" }],
  });
  return startRun(id);
}

/** Opens a run's WebSocket with these headers; resolves `closed` with the close code. */
async function socket(runId: string, headers: Record<string, string>) {
  const res = await SELF.fetch(`${ORIGIN}/api/runs/${runId}/ws?after=0`, {
    headers: { upgrade: "websocket", ...headers },
  });
  const ws = res.webSocket;
  if (!ws) return { status: res.status, body: await res.text(), closed: null, ws: null };
  let frames = 0;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })),
  );
  const hello = new Promise<void>((resolve) =>
    ws.addEventListener("message", () => {
      frames++;
      if (frames === 1) resolve();
    }),
  );
  ws.accept();
  await hello;
  return { status: res.status, body: "", closed, ws };
}

async function socketRows(keyId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT COALESCE(SUM(sockets), 0) AS n FROM key_sockets WHERE key_id = ?",
  )
    .bind(keyId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("signing in with a session cookie", () => {
  it("trades a key for an httpOnly, SameSite=Strict, Secure cookie that acts as the key", async () => {
    const before = Date.now();
    const session = await signIn(TEST_KEY);
    expect(session.status).toBe(201);
    await documented("/api/sessions", "post", 201, session.body);
    expect(session.body).toMatchObject({
      keyId: "k_a",
      keyName: "first approver",
      tenantId: "t_a",
      via: "session",
    });
    const attributes = session.setCookie.split(";").map((a) => a.trim().toLowerCase());
    expect(session.cookie).toMatch(/^__Host-aob_session=[\w-]{43}$/);
    expect(attributes).toEqual(
      expect.arrayContaining(["httponly", "secure", "samesite=strict", "path=/", "max-age=43200"]),
    );
    expect(attributes.some((a) => a.startsWith("domain="))).toBe(false);
    const expiresAt = session.body.expiresAt as number;
    expect(expiresAt - before).toBeGreaterThanOrEqual(12 * 3600_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(12 * 3600_000);

    // Only the token's hash is stored, bound to the key.
    const token = session.cookie.split("=")[1]!;
    const rows = await env.DB.prepare("SELECT token_hash, key_id FROM sessions").all<{
      token_hash: string;
      key_id: string;
    }>();
    expect(rows.results).toContainEqual({ token_hash: await hashKey(token), key_id: "k_a" });
    expect(JSON.stringify(rows.results)).not.toContain(token);

    const current = await withCookie(session.cookie, "GET", "/api/sessions/current");
    expect(current.status).toBe(200);
    await documented("/api/sessions/current", "get", 200, current.body);
    expect(current.body).toMatchObject({ keyName: "first approver", via: "session", expiresAt });
    expect((await withCookie(session.cookie, "GET", "/api/workflows")).status).toBe(200);
  });

  it("over plain http, names the cookie aob_session and leaves out Secure", async () => {
    const session = await signIn(TEST_KEY, "http://aob.test");
    expect(session.status).toBe(201);
    expect(session.cookie).toMatch(/^aob_session=/);
    expect(session.setCookie.toLowerCase()).not.toContain("secure");
    expect(session.setCookie.toLowerCase()).toContain("httponly");
    const res = await SELF.fetch("http://aob.test/api/sessions/current", {
      headers: { cookie: session.cookie },
    });
    expect(res.status).toBe(200);
  });

  it("refuses a bad key with 401 and a message, and sets no cookie", async () => {
    const session = await signIn("aob_not_a_key");
    expect(session.status).toBe(401);
    expect(session.body).toEqual({
      error: {
        code: "unauthorized",
        message: "invalid or revoked API key (or its user was deleted)",
      },
    });
    expect(session.setCookie).toBe("");
    const empty = await signIn("");
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body)).toContain('"at":"key"');
  });

  it("refuses an ended session: expired, or signed out (which clears the cookie)", async () => {
    const expiring = await signIn(TEST_KEY);
    const token = expiring.cookie.split("=")[1]!;
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE token_hash = ?")
      .bind(Date.now() - 1, await hashKey(token))
      .run();
    const expired = await withCookie(expiring.cookie, "GET", "/api/workflows");
    expect(expired.status).toBe(401);
    expect(expired.body.error?.message).toContain("the session has ended");

    const session = await signIn(TEST_KEY);
    const out = await withCookie(session.cookie, "DELETE", "/api/sessions/current");
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^__Host-aob_session=; Max-Age=0; Path=\/;/);
    expect((await withCookie(session.cookie, "GET", "/api/sessions/current")).status).toBe(401);
  });

  it("needs X-Aob-Csrf on cookie-authenticated writes; bearer calls need nothing new", async () => {
    const session = await signIn(TEST_KEY);
    const definition = { name: "csrf", nodes: [{ id: "start", type: "start" }], edges: [] };
    // A cross-site form can send the cookie-less-header request below; it changes nothing.
    const forged = await SELF.fetch(`${ORIGIN}/api/workflows`, {
      method: "POST",
      headers: { cookie: session.cookie, "content-type": "text/plain" },
      body: JSON.stringify(definition),
    });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { message: string } }).error.message).toContain(
      "X-Aob-Csrf: 1",
    );
    const listed = await api<{ workflows: { name: string }[] }>("GET", "/api/workflows");
    expect(listed.body.workflows.map((w) => w.name)).not.toContain("csrf");
    expect((await withCookie(session.cookie, "POST", "/api/workflows", definition)).status).toBe(
      201,
    );
    const signInWithoutHeader = await SELF.fetch(`${ORIGIN}/api/sessions`, {
      method: "POST",
      body: JSON.stringify({ key: TEST_KEY }),
    });
    expect(signInWithoutHeader.status).toBe(403);
    expect(signInWithoutHeader.headers.get("set-cookie")).toBeNull();

    const bearer = await api("GET", "/api/sessions/current");
    expect(bearer.status).toBe(200);
    expect(bearer.body).toMatchObject({ keyId: "k_a", via: "bearer", expiresAt: null });
    expect((await api("POST", "/api/workflows", { ...definition, name: "bearer" })).status).toBe(
      201,
    );
  });
});

describe("run WebSockets", () => {
  it("refuses a key in the URL, even a valid one, and takes the cookie or the header", async () => {
    const runId = await waitingRun();
    const inUrl = await SELF.fetch(
      `${ORIGIN}/api/runs/${runId}/ws?after=0&key=${encodeURIComponent(TEST_KEY)}`,
      { headers: { upgrade: "websocket" } },
    );
    expect(inUrl.status).toBe(400);
    expect(((await inUrl.json()) as { error: { message: string } }).error.message).toContain(
      "not accepted in a URL",
    );
    const both = await SELF.fetch(`${ORIGIN}/api/runs/${runId}/ws?key=${TEST_KEY}`, {
      headers: { upgrade: "websocket", authorization: `Bearer ${TEST_KEY}` },
    });
    expect(both.status).toBe(400);

    const session = await signIn(TEST_KEY);
    const byCookie = await socket(runId, { cookie: session.cookie, origin: ORIGIN });
    expect(byCookie.status).toBe(101);
    const byBearer = await socket(runId, { authorization: `Bearer ${TEST_KEY}` });
    expect(byBearer.status).toBe(101);
    const crossSite = await socket(runId, { cookie: session.cookie, origin: "https://evil.test" });
    expect(crossSite.status).toBe(403);
    byCookie.ws?.close(1000, "done");
    byBearer.ws?.close(1000, "done");
  });

  it("counts a key's open sockets per run and forgets the run when they close", async () => {
    const { id, key } = await newKey("counted");
    const runId = await waitingRun();
    const a = await socket(runId, { authorization: `Bearer ${key}` });
    const b = await socket(runId, { authorization: `Bearer ${key}` });
    expect(await socketRows(id)).toBe(2);
    a.ws?.close(1000, "done");
    b.ws?.close(1000, "done");
    // The run's close handler writes D1 after the client's close: a bounded wait for it.
    await poll(
      "the key's socket rows to go",
      () => socketRows(id),
      (n) => n === 0,
    );
    expect(await socketRows(id)).toBe(0);
  });
});

describe("revoking a key", () => {
  it("ends its sessions and closes its sockets (cookie and bearer) before answering", async () => {
    const { id, key } = await newKey("to revoke");
    const session = await signIn(key);
    expect(session.status).toBe(201);
    const runId = await waitingRun();
    const byCookie = await socket(runId, { cookie: session.cookie, origin: ORIGIN });
    const byBearer = await socket(runId, { authorization: `Bearer ${key}` });
    const bystander = await socket(runId, { authorization: `Bearer ${TEST_KEY}` });
    expect([byCookie.status, byBearer.status, bystander.status]).toEqual([101, 101, 101]);

    expect((await api("DELETE", `/api/keys/${id}`)).status).toBe(204);
    const closes = await Promise.all([byCookie.closed, byBearer.closed]);
    expect(closes).toEqual([
      { code: 4401, reason: "API key revoked" },
      { code: 4401, reason: "API key revoked" },
    ]);
    expect(bystander.ws?.readyState).toBe(WebSocket.READY_STATE_OPEN);

    const after = await withCookie(session.cookie, "GET", "/api/sessions/current");
    expect(after.status).toBe(401);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM sessions WHERE key_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
    expect(await socketRows(id)).toBe(0);
    // A new socket with the key is refused, by cookie or by bearer.
    expect((await socket(runId, { cookie: session.cookie, origin: ORIGIN })).status).toBe(401);
    expect((await socket(runId, { authorization: `Bearer ${key}` })).status).toBe(401);
    // Revoking again is harmless; an unknown key is 404.
    expect((await api("DELETE", `/api/keys/${id}`)).status).toBe(204);
    expect((await api("DELETE", "/api/keys/key_nope")).status).toBe(404);
    bystander.ws?.close(1000, "done");
  });

  it("a run told of the revocation refuses a late upgrade with that key", async () => {
    const { id, key } = await newKey("late");
    const runId = await waitingRun();
    // The revocation reached the run before this upgrade did (the race the tag set closes).
    await env.RUNS.get(env.RUNS.idFromName(runId)).revokeKey(id);
    const late = await socket(runId, { authorization: `Bearer ${key}` });
    expect(late.status).toBe(401);
    expect(await socketRows(id)).toBe(0);
  });
});

describe("sign-in attempts", () => {
  it("are limited per client address: past 30 in a minute, 429 with Retry-After, and nothing set", async () => {
    const attempt = (address: string, key: string) =>
      SELF.fetch(`${ORIGIN}/api/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": address, ...CSRF },
        body: JSON.stringify({ key }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      statuses.push((await attempt("203.0.113.7", i % 2 ? TEST_KEY : "aob_guess")).status);
    }
    // A full bucket lets the first 30 through, good key or bad.
    expect(statuses).toEqual(Array.from({ length: 30 }, (_, i) => (i % 2 ? 201 : 401)));
    // It refills at one token per 2 s: on a slow machine a few more may pass before the refusal.
    let refused = await attempt("203.0.113.7", TEST_KEY);
    for (let extra = 0; refused.status !== 429 && extra < 10; extra++) {
      refused = await attempt("203.0.113.7", TEST_KEY);
    }
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("set-cookie")).toBeNull();
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    expect((await attempt("198.51.100.2", TEST_KEY)).status).toBe(201);
  });
});
