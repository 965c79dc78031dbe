import { env, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunObject } from "../../durable-objects/run/RunObject";
import { poll } from "../support/poll";
import { api, createWorkflow, startRun, waitForRun } from "./helpers";
import { OTHER_KEY, SECOND_KEY } from "./setup";

const fixture = inject("fixtureUrl");
const SECRET = "s3cr3t-VALUE-9f8e7d";

const logged: string[] = [];
const original = { log: console.log, error: console.error, warn: console.warn, info: console.info };

beforeAll(() => {
  for (const level of ["log", "error", "warn", "info"] as const) {
    console[level] = (...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
      original[level](...args);
    };
  }
});
afterAll(() => Object.assign(console, original));

async function everyD1Row(): Promise<string> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{
    name: string;
  }>();
  const dumps: string[] = [];
  for (const { name } of tables.results) {
    if (name.startsWith("_cf") || name.startsWith("sqlite")) continue;
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    dumps.push(JSON.stringify(rows.results));
  }
  return dumps.join("\n");
}

async function everyBlob(): Promise<string> {
  const texts: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.BLOBS.list(cursor ? { cursor } : {});
    for (const o of page.objects) texts.push((await (await env.BLOBS.get(o.key))?.text()) ?? "");
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return texts.join("\n");
}

describe("tenant secrets", () => {
  it("are write-only and scoped to admins of the tenant", async () => {
    expect((await api("PUT", "/api/secrets/TOKEN", { value: SECRET })).status).toBe(200);
    const list = await api<{ secrets: { name: string }[] }>("GET", "/api/secrets");
    expect(list.body.secrets.map((s) => s.name)).toEqual(["TOKEN"]);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
    expect((await api("GET", "/api/secrets", undefined, OTHER_KEY)).body).toEqual({
      secrets: [],
      nextCursor: null,
    });
    expect((await api("PUT", "/api/secrets/TOKEN", { value: "x" }, SECOND_KEY)).status).toBe(403);
    expect((await api("PUT", "/api/secrets/9bad", { value: "x" })).status).toBe(400);
    const row = await env.DB.prepare("SELECT ciphertext FROM secrets WHERE name = 'TOKEN'").first<{
      ciphertext: string;
    }>();
    expect(row?.ciphertext).not.toContain(SECRET);
    expect(atob(row?.ciphertext ?? "")).not.toContain(SECRET);
  });

  it("reach the request but no event, log line, D1 row, R2 blob or run storage", async () => {
    await api("PUT", "/api/secrets/TOKEN", { value: SECRET });
    const id = await createWorkflow({
      name: "uses a secret",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "call",
          type: "http",
          config: {
            method: "POST",
            url: `${fixture}/echo/secret?key={{ secrets.TOKEN }}`,
            headers: { authorization: "Bearer {{ secrets.TOKEN }}" },
            body: { token: "{{ secrets.TOKEN }}", note: "plain" },
          },
        },
        {
          id: "inline",
          type: "http",
          config: { url: `${fixture}/status/500/{{ secrets.TOKEN }}`, mode: "inline" },
          retry: { maxAttempts: 1 },
        },
        { id: "done", type: "end", config: { output: "{{ nodes.call.output.body }}" } },
      ],
      edges: [
        { from: "start", to: "call" },
        { from: "call", to: "done" },
        { from: "start", to: "inline" },
      ],
    });
    const run = await waitForRun(await startRun(id));
    // The server saw the value (its echo comes back redacted), and the failing call's error
    // message names the URL with the reference, not the value.
    expect(run.nodes.find((n) => n.id === "call")?.status).toBe("succeeded");
    expect(JSON.stringify(run.nodes.find((n) => n.id === "call")?.output)).toContain(
      "[redacted:TOKEN]",
    );
    expect(run.nodes.find((n) => n.id === "inline")?.error?.message).toContain(
      "/status/500/{{ secrets.TOKEN }} answered 500",
    );

    const events = await api("GET", `/api/runs/${run.id}/events`);
    const view = await api("GET", `/api/runs/${run.id}`);
    // Let the background writes (R2 outbox, D1 projection) finish before looking.
    const stub: DurableObjectStub<RunObject> = env.RUNS.get(env.RUNS.idFromName(run.id));
    const storage = await runInDurableObject(stub, async (_obj, state) => {
      await poll(
        "the R2 outbox to empty",
        () => state.storage.sql.exec("SELECT count(*) AS n FROM cas_outbox").one().n,
        (n) => n === 0,
      );
      const tables = state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .filter((t) => !t.name.startsWith("_cf") && !t.name.startsWith("sqlite"));
      return tables
        .map((t) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray()))
        .join("\n");
    });
    const d1 = await everyD1Row();
    const r2 = await everyBlob();
    for (const [where, text] of Object.entries({
      events: JSON.stringify(events.body),
      runView: JSON.stringify(view.body),
      doStorage: storage,
      d1,
      r2,
      logs: logged.join("\n"),
    })) {
      expect(text.includes(SECRET), `secret found in ${where}`).toBe(false);
    }
    expect(r2).toContain("[redacted:TOKEN]"); // the output blob was written, redacted
    // The run view shows what each I/O node was sent: templates resolved, secrets as references.
    const nodes = (view.body as { nodes: { id: string; input?: Record<string, unknown> }[] }).nodes;
    expect(nodes.find((n) => n.id === "call")?.input).toMatchObject({
      method: "POST",
      url: `${fixture}/echo/secret?key={{ secrets.TOKEN }}`,
      headers: { authorization: "Bearer {{ secrets.TOKEN }}" },
      body: { token: "{{ secrets.TOKEN }}", note: "plain" },
    });
    expect(nodes.find((n) => n.id === "inline")?.input).toMatchObject({
      url: `${fixture}/status/500/{{ secrets.TOKEN }}`,
    });
  });

  it("fails a node clearly when the secret does not exist", async () => {
    const id = await createWorkflow({
      name: "missing secret",
      nodes: [
        { id: "start", type: "start" },
        { id: "call", type: "http", config: { url: `${fixture}/echo/x?k={{ secrets.NOPE }}` } },
      ],
      edges: [{ from: "start", to: "call" }],
    });
    const run = await waitForRun(await startRun(id));
    const call = run.nodes.find((n) => n.id === "call");
    expect(call?.error?.code).toBe("secret_not_found");
    expect(call?.error?.message).toMatch(/secret "NOPE" is not set/);
    expect(call?.attempt).toBe(1);
  });
});
