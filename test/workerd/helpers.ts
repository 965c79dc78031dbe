import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { inject } from "vitest";
import type { RunObject } from "../../durable-objects/run/RunObject";
import { POLL_TIMEOUT_MS, poll } from "../support/poll";
import { TEST_KEY } from "./setup";

export interface ApiResponse<T> {
  status: number;
  body: T;
}

/** Calls the API as tenant A (or with another key). */
export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  key: string = TEST_KEY,
): Promise<ApiResponse<T>> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await SELF.fetch(`https://aob.test${path}`, init);
  const text = await res.text();
  // JSON, except an answer of another type (the Prometheus text of `/api/metrics`) as its text.
  const json = res.headers.get("content-type")?.includes("json") ?? false;
  return { status: res.status, body: (text ? (json ? JSON.parse(text) : text) : null) as T };
}

export interface RunBody {
  id: string;
  status: string;
  nodes: {
    id: string;
    status: string;
    attempt: number;
    output?: unknown;
    error?: { code: string; message: string };
  }[];
  output?: unknown;
  error?: { code: string; message: string; nodeId: string };
}

/**
 * Waits for a run to end by reading it until its status is terminal (a bounded `poll`).
 * Only the end-to-end tests use this: queue deliveries happen outside the test's control.
 */
export async function waitForRun(runId: string, timeoutMs = POLL_TIMEOUT_MS): Promise<RunBody> {
  return poll(
    `run ${runId} to end`,
    async () => (await api<RunBody>("GET", `/api/runs/${runId}`)).body,
    (run) => ["completed", "failed", "cancelled"].includes(run.status),
    { timeoutMs },
  );
}

export async function createWorkflow(definition: unknown): Promise<string> {
  const res = await api<{ id: string }>("POST", "/api/workflows", definition);
  if (res.status !== 201)
    throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function startRun(workflowId: string, input: unknown = {}): Promise<string> {
  const res = await api<{ runId: string }>("POST", `/api/workflows/${workflowId}/runs`, { input });
  if (res.status !== 202)
    throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.runId;
}

/** How many requests the fixture server counted under `name` (test/support/http-fixture.ts). */
export async function count(name: string): Promise<number> {
  const res = await fetch(`${inject("fixtureUrl")}/counts/${name}`);
  return ((await res.json()) as { count: number }).count;
}

/**
 * How many requests the fixture server (either origin) received that held `text` anywhere:
 * request line, headers or body (test/support/http-fixture.ts, `POST /seen`).
 */
export async function seen(text: string): Promise<number> {
  const res = await fetch(`${inject("fixtureUrl")}/seen`, { method: "POST", body: text });
  return ((await res.json()) as { count: number }).count;
}

/** start → done, whose output is the run's input. */
export const ECHO_WORKFLOW = {
  name: "echo",
  nodes: [
    { id: "start", type: "start" },
    { id: "done", type: "end", config: { output: "{{ input }}" } },
  ],
  edges: [{ from: "start", to: "done" }],
};

/** The RunObject of a run, for RPCs and runInDurableObject. */
export function stubOf(runId: string): DurableObjectStub<RunObject> {
  return env.RUNS.get(env.RUNS.idFromName(runId));
}

/** Time passes: every timer of the run becomes due, then the alarm fires. */
export async function elapse(runId: string): Promise<boolean> {
  const stub = stubOf(runId);
  await runInDurableObject(stub, (_obj, state) => {
    state.storage.sql.exec("UPDATE timers SET at = 0");
  });
  return runDurableObjectAlarm(stub);
}

/**
 * Rows that name `value`, per D1 table: every table with a `column` column, and `table` by
 * its `id` (found from the schema, so a table added later is covered).
 * @example
 * await rowsNaming("run_id", "runs", runId) // {} once the run is deleted everywhere
 */
export async function rowsNaming(
  column: string,
  table: string,
  value: string,
): Promise<Record<string, number>> {
  const tables = await env.DB.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'd1_%'`,
  ).all<{ name: string }>();
  const found: Record<string, number> = {};
  for (const { name } of tables.results) {
    const columns = await env.DB.prepare(`PRAGMA table_info(${name})`).all<{ name: string }>();
    const named = name === table ? "id" : column;
    if (!columns.results.some((c) => c.name === named)) continue;
    const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${name} WHERE ${named} = ?`)
      .bind(value)
      .first<{ n: number }>();
    if (row!.n > 0) found[name] = row!.n;
  }
  return found;
}
