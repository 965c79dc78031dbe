import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { deleteRun } from "../../workers/lifecycle/delete-run";
import { sweep } from "../../workers/lifecycle/sweep";
import { poll } from "../support/poll";
import {
  api,
  createWorkflow,
  ECHO_WORKFLOW,
  type RunBody,
  rowsNaming,
  startRun,
  stubOf,
  waitForRun,
} from "./helpers";
import { OTHER_KEY, TEST_KEY } from "./setup";

const fixture = inject("fixtureUrl");
const DAY = 86_400_000;

/**
 * start → file (a 100 KB binary response: a streamed blob) → big (a transform's 100 KB output,
 * the same bytes in every tenant: kept by reference in R2) → done, whose output names the
 * file's blob.
 */
const keeping = (tag: string) => ({
  name: `keeping ${tag}`,
  nodes: [
    { id: "start", type: "start" },
    { id: "file", type: "http", config: { url: `${fixture}/bin/100000/${tag}` } },
    {
      id: "big",
      type: "transform",
      config: { expression: `{ "tag": "${tag}", "text": $pad("", 100000, "x") }` },
    },
    {
      id: "done",
      type: "end",
      config: {
        output: {
          total: "{{ nodes.big.output.body.total }}",
          file: "{{ nodes.file.output.body }}",
        },
      },
    },
  ],
  edges: [
    { from: "start", to: "file" },
    { from: "file", to: "big" },
    { from: "big", to: "done" },
  ],
});

type Node = RunBody["nodes"][number] & { outputHash?: string };

interface Usage {
  runs: number;
  events: number;
  executions: number;
  blobBytes: number;
}

async function completed(runId: string, key?: string): Promise<RunBody> {
  const run = key
    ? await statusAs(runId, key, ["completed", "failed", "cancelled"])
    : await waitForRun(runId);
  expect(run.status, JSON.stringify(run.error)).toBe("completed");
  return run;
}

const statusAs = (runId: string, key: string | undefined, statuses: string[]) =>
  poll(
    `run ${runId} to be ${statuses.join(" or ")}`,
    async () => (await api<RunBody>("GET", `/api/runs/${runId}`, undefined, key)).body,
    (run) => statuses.includes(run.status),
  );

/** Rows that name the run, per D1 table (every table with a `run_id` column, and `runs`). */
const d1Rows = (runId: string) => rowsNaming("run_id", "runs", runId);

/** Rows left in the run's object's SQLite (every table), and its alarm. */
async function objectStorage(runId: string): Promise<{ rows: number; alarm: number | null }> {
  return runInDurableObject(stubOf(runId), async (_obj, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'`,
      )
      .toArray();
    let rows = 0;
    for (const { name } of tables) {
      rows += state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`).one().n;
    }
    return { rows, alarm: await state.storage.getAlarm() };
  });
}

async function blobStatus(hash: string, key = TEST_KEY): Promise<number> {
  const res = await SELF.fetch(`https://aob.test/api/blobs/${hash}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  await res.arrayBuffer();
  return res.status;
}

async function streamKey(runId: string, hash: string): Promise<string> {
  const row = await env.DB.prepare(`SELECT key FROM blobs WHERE run_id = ? AND hash = ?`)
    .bind(runId, hash)
    .first<{ key: string }>();
  return row!.key;
}

async function listed(prefix: string): Promise<string[]> {
  return (await env.BLOBS.list({ prefix })).objects.map((o) => o.key);
}

describe("deleting a run", { timeout: 30_000 }, () => {
  it("leaves no row, no object storage and no blob nothing holds; what a replay or another tenant holds stays", async () => {
    const tag = `del${Date.now()}`;
    const a1 = await startRun(await createWorkflow(keeping(tag)));
    const first = (await completed(a1)) as RunBody & { lastSeq: number };
    const bigHash = (first.nodes.find((n) => n.id === "big") as Node).outputHash!;
    const fileHash = (first.output as { file: { $blob: string } }).file.$blob;
    const a1Stream = await streamKey(a1, fileHash);
    expect(a1Stream).toMatch(new RegExp(`^cas/stream/${a1}/`));

    // A replay from the end reuses both outputs; tenant B produces the same JSON bytes.
    const replayed = await api<{ runId: string }>("POST", `/api/runs/${a1}/replay`, {
      fromNode: "done",
    });
    expect(replayed.status).toBe(202);
    const a2 = replayed.body.runId;
    await completed(a2);
    const wfB = await api<{ id: string }>("POST", "/api/workflows", keeping(tag), OTHER_KEY);
    const b1 = (
      await api<{ runId: string }>("POST", `/api/workflows/${wfB.body.id}/runs`, {}, OTHER_KEY)
    ).body.runId;
    await completed(b1, OTHER_KEY);
    expect(await blobStatus(bigHash, OTHER_KEY)).toBe(200);

    // Another tenant cannot delete it.
    expect((await api("DELETE", `/api/runs/${a1}`, undefined, OTHER_KEY)).status).toBe(404);

    const before = (await api<Usage>("GET", "/api/usage")).body;
    const deleted = await api<{ rows: number; blobs: number }>("DELETE", `/api/runs/${a1}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.rows).toBeGreaterThan(1);
    expect(await d1Rows(a1)).toEqual({});
    expect(await objectStorage(a1)).toEqual({ rows: 0, alarm: null });
    // The usage drops by the run, its events and executions; the blobs stay (the replay holds them).
    const after = (await api<Usage>("GET", "/api/usage")).body;
    expect(after.runs).toBe(before.runs - 1);
    expect(after.events).toBe(before.events - first.lastSeq);
    expect(after.executions).toBe(before.executions - 4);
    expect(after.blobBytes).toBe(before.blobBytes);
    expect((await api("GET", `/api/runs/${a1}`)).status).toBe(404);
    const list = await api<{ runs: { id: string }[] }>("GET", "/api/runs?limit=500");
    expect(list.body.runs.map((r) => r.id)).not.toContain(a1);
    // The replay still holds the JSON output and the streamed file it reused.
    expect(await env.BLOBS.head(`cas/sha256/${bigHash}`)).not.toBeNull();
    expect(await env.BLOBS.head(a1Stream)).not.toBeNull();
    expect(await blobStatus(fileHash)).toBe(200);
    expect(await blobStatus(bigHash)).toBe(200);

    const beforeA2 = (await api<Usage>("GET", "/api/usage")).body;
    const again = await api<{ blobs: number; bytes: number }>("DELETE", `/api/runs/${a2}`);
    expect(again.status).toBe(200);
    // A's copy of the file and its holds on the JSON go: usage drops by what was freed and more
    // (the shared JSON object stays in R2 for B but is no longer A's).
    const afterA2 = (await api<Usage>("GET", "/api/usage")).body;
    expect(afterA2.blobBytes).toBeLessThan(beforeA2.blobBytes - 100_000);
    expect(await d1Rows(a2)).toEqual({});
    // Nothing of tenant A holds them now: A's file is gone, the shared JSON stays for B.
    expect(await env.BLOBS.head(a1Stream)).toBeNull();
    expect(await listed(`cas/stream/${a1}/`)).toEqual([]);
    expect(await listed(`jobs/${a1}/`)).toEqual([]);
    expect(await blobStatus(fileHash)).toBe(404);
    expect(await blobStatus(bigHash)).toBe(404);
    expect(await blobStatus(bigHash, OTHER_KEY)).toBe(200);
    expect(await env.BLOBS.head(`cas/sha256/${bigHash}`)).not.toBeNull();

    expect((await api("DELETE", `/api/runs/${b1}`, undefined, OTHER_KEY)).status).toBe(200);
    expect(await env.BLOBS.head(`cas/sha256/${bigHash}`)).toBeNull();
    expect(await listed(`cas/stream/${b1}/`)).toEqual([]);
    const left = await env.DB.prepare(`SELECT count(*) AS n FROM blob_deletions`).first<{
      n: number;
    }>();
    expect(left!.n).toBe(0);
  });

  it("refuses an active run and changes nothing; once cancelled it deletes", async () => {
    const id = await createWorkflow({
      name: "waits",
      nodes: [
        { id: "start", type: "start" },
        { id: "review", type: "approval", config: { message: "go?" } },
        { id: "done", type: "end" },
      ],
      edges: [
        { from: "start", to: "review" },
        { from: "review", to: "done", on: "approved" },
      ],
    });
    const runId = await startRun(id);
    await statusAs(runId, undefined, ["waiting"]);
    const refused = await api<{ error: { code: string; message: string } }>(
      "DELETE",
      `/api/runs/${runId}`,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("run_active");
    expect(refused.body.error.message).toContain("cancel it first");
    expect((await api<RunBody>("GET", `/api/runs/${runId}`)).body.status).toBe("waiting");
    const list = await api<{ runs: { id: string }[] }>("GET", "/api/runs?status=waiting");
    expect(list.body.runs.map((r) => r.id)).toContain(runId);

    expect((await api("POST", `/api/runs/${runId}/cancel`)).status).toBe(200);
    expect((await api("DELETE", `/api/runs/${runId}`)).status).toBe(200);
    expect(await d1Rows(runId)).toEqual({});
    expect((await api("DELETE", `/api/runs/${runId}`)).status).toBe(404);
  });

  it("is finished by the sweep when it stopped half-way", async () => {
    const runId = await startRun(await createWorkflow(keeping(`half${Date.now()}`)));
    const run = await completed(runId);
    const bigHash = (run.nodes.find((n) => n.id === "big") as Node).outputHash!;
    // R2 refuses deletes: the deletion stops after releasing the run's rows.
    const broken = {
      ...env,
      BLOBS: new Proxy(env.BLOBS, {
        get: (target, prop) => {
          if (prop === "delete") return () => Promise.reject(new Error("R2 unavailable"));
          const value = Reflect.get(target, prop, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
    };
    await expect(deleteRun(broken, runId)).rejects.toThrow("R2 unavailable");
    expect((await api("GET", `/api/runs/${runId}`)).status).toBe(404);
    expect(Object.keys(await d1Rows(runId)).sort()).toEqual(["blob_deletions", "runs"]);
    const tombstone = await env.DB.prepare(`SELECT run_id FROM blob_deletions WHERE key = ?`)
      .bind(`cas/sha256/${bigHash}`)
      .first<{ run_id: string }>();
    expect(tombstone?.run_id).toBe(runId);
    expect(await env.BLOBS.head(`cas/sha256/${bigHash}`)).not.toBeNull();

    const report = await sweep(env, Date.now());
    expect(report.error).toBeNull();
    expect(report.runsDeleted).toBeGreaterThanOrEqual(1);
    expect(await d1Rows(runId)).toEqual({});
    expect(await env.BLOBS.head(`cas/sha256/${bigHash}`)).toBeNull();
    expect(await listed(`cas/stream/${runId}/`)).toEqual([]);
  });
});

describe("deleting a workflow", { timeout: 30_000 }, () => {
  it("with its runs: refused while one is active, then the sweep deletes its runs and every row of it", async () => {
    const tag = `wfdel${Date.now()}`;
    const id = await createWorkflow(keeping(tag));
    await api("PUT", `/api/workflows/${id}`, keeping(tag));
    await api("PUT", `/api/workflows/${id}/triggers`, { webhook: true });
    await api("PUT", `/api/workflows/${id}/retention`, { keepLast: 5 });
    const done = [await startRun(id), await startRun(id)];
    const ran = await Promise.all(done.map((r) => completed(r)));
    const bigHash = (ran[0]!.nodes.find((n) => n.id === "big") as Node).outputHash!;
    const streams = await Promise.all(
      ran.map((r, i) => streamKey(done[i]!, (r.output as { file: { $blob: string } }).file.$blob)),
    );

    // An active run blocks it, and nothing changes.
    const other = await api<{ id: string }>("POST", "/api/workflows", {
      ...keeping(tag),
      name: "another",
    });
    await api("PUT", `/api/workflows/${id}`, {
      ...keeping(tag),
      nodes: [...keeping(tag).nodes, { id: "ask", type: "approval", config: { message: "?" } }],
      edges: [...keeping(tag).edges, { from: "start", to: "ask" }],
    });
    const active = await startRun(id);
    await statusAs(active, undefined, ["waiting"]);
    const refused = await api<{ error: { code: string; message: string } }>(
      "DELETE",
      `/api/workflows/${id}?runs=delete`,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(active);
    expect((await api("GET", `/api/workflows/${id}`)).status).toBe(200);
    expect((await api("POST", `/api/runs/${active}/cancel`)).status).toBe(200);
    done.push(active);

    const purge = await api<{ runs: number }>("DELETE", `/api/workflows/${id}?runs=delete`);
    expect(purge.status).toBe(202);
    expect(purge.body.runs).toBe(3);
    expect((await api("GET", `/api/workflows/${id}`)).status).toBe(404);
    const report = await sweep(env, Date.now());
    expect(report.error).toBeNull();
    await sweep(env, Date.now()); // the rows of the workflow go once it has no run left

    for (const runId of done) expect(await d1Rows(runId)).toEqual({});
    const left: Record<string, number> = {};
    for (const table of [
      "workflows",
      "workflow_versions",
      "workflow_version_pieces",
      "triggers",
      "trigger_deliveries",
      "retention_policies",
      "runs",
    ]) {
      const column = table === "workflows" ? "id" : "workflow_id";
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`)
        .bind(id)
        .first<{ n: number }>();
      if (row!.n > 0) left[table] = row!.n;
    }
    expect(left).toEqual({});
    expect(await env.BLOBS.head(`cas/sha256/${bigHash}`)).toBeNull();
    for (const key of streams) expect(await env.BLOBS.head(key)).toBeNull();
    // The other workflow is untouched.
    expect((await api("GET", `/api/workflows/${other.body.id}`)).status).toBe(200);
  });
});

describe("retention", { timeout: 30_000 }, () => {
  it("deletes finished runs past the tenant's days and a workflow's keepLast; a held run stays", async () => {
    expect((await api("PUT", "/api/retention", { days: 1 })).status).toBe(200);
    const echo = await createWorkflow(ECHO_WORKFLOW);
    const old = await startRun(echo, { n: 1 });
    const held = await startRun(echo, { n: 2 });
    const counted = await createWorkflow({ ...ECHO_WORKFLOW, name: "counted" });
    const counts = [];
    for (let n = 0; n < 3; n++) {
      counts.push(await startRun(counted, { n }));
      await completed(counts[n]!);
    }
    await completed(old);
    await completed(held);
    expect((await api("PUT", `/api/runs/${held}/hold`, { held: true })).status).toBe(200);
    const own = await api("PUT", `/api/workflows/${counted}/retention`, { keepLast: 1 });
    expect(own.body).toMatchObject({ keepLast: 1, days: null, source: "workflow" });

    // Today: only the keepLast override applies; the tenant's day has not passed.
    await sweep(env, Date.now());
    const exists = async (id: string) => (await api("GET", `/api/runs/${id}`)).status === 200;
    expect(await Promise.all(counts.map(exists))).toEqual([false, false, true]);
    expect(await exists(old)).toBe(true);

    // Two days on: the echo runs are past a day, except the held one; the override has no age.
    const later = await sweep(env, Date.now() + 2 * DAY);
    expect(later.error).toBeNull();
    expect(await exists(old)).toBe(false);
    expect(await exists(held)).toBe(true);
    expect(await exists(counts[2]!)).toBe(true);
    const shown = await api<{ lastSweep: { id: number; runsDeleted: number } }>(
      "GET",
      "/api/retention",
    );
    expect(shown.body.lastSweep).toMatchObject({ id: later.id, runsDeleted: later.runsDeleted });
    const runs = await api<{ runs: { id: string; held: boolean }[] }>("GET", "/api/runs");
    expect(runs.body.runs.find((r) => r.id === held)?.held).toBe(true);
  });

  it("refuses a bad policy with the path of what is wrong, and keeps the one in force", async () => {
    await api("PUT", "/api/retention", { days: 7 });
    const zero = await api<{ error: { details: { errors: { at: string }[] } } }>(
      "PUT",
      "/api/retention",
      { days: 0 },
    );
    expect(zero.status).toBe(400);
    expect(zero.body.error.details.errors[0]!.at).toBe("days");
    const extra = await api("PUT", "/api/retention", { days: 3, forever: true });
    expect(extra.status).toBe(400);
    const now = await api<{ policy: { days: number; source: string } }>("GET", "/api/retention");
    expect(now.body.policy).toMatchObject({ days: 7, source: "tenant" });
    expect((await api("PUT", "/api/runs/r_nope/hold", { held: true })).status).toBe(404);
  });
});
