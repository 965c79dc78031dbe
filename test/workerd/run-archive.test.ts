import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { expiredRuns } from "../../db/retention";
import { poll } from "../support/poll";
import { api, createWorkflow, type RunBody, rowsNaming, startRun, stubOf } from "./helpers";
import { OTHER_KEY, TEST_KEY } from "./setup";

const fixture = inject("fixtureUrl");
const DAY = 86_400_000;

/*
 * Export and import (docs/LIFECYCLE.md, "Export and import"): a run with a streamed binary
 * blob, an output kept by reference, an approval decided with form data and a person's patch
 * is exported, imported as an archived run, and exported again: the two archives hold the same
 * record. A damaged archive changes nothing; an archived run is read-only and outlives
 * retention; deleting it leaves nothing.
 */

/** start → file (100 KB binary: a streamed blob) → big (100 KB output: by reference) → gate → after → done. */
const archived = (tag: string) => ({
  name: `archived ${tag}`,
  nodes: [
    { id: "start", type: "start" },
    { id: "file", type: "http", config: { url: `${fixture}/bin/100000/${tag}` } },
    {
      id: "big",
      type: "transform",
      config: { expression: `{ "tag": "${tag}", "text": $pad("", 100000, "y") }` },
    },
    {
      id: "gate",
      type: "approval",
      config: {
        message: "Keep {{ input.item }}?",
        form: { type: "object", properties: { note: { type: "string" } }, required: ["note"] },
      },
    },
    { id: "after", type: "transform", config: { expression: "'as drawn'" } },
    {
      id: "done",
      type: "end",
      config: {
        output: {
          file: "{{ nodes.file.output.body }}",
          note: "{{ nodes.gate.output.data.note }}",
          after: "{{ nodes.after.output }}",
        },
      },
    },
  ],
  edges: [
    { from: "start", to: "file" },
    { from: "file", to: "big" },
    { from: "big", to: "gate" },
    { from: "gate", to: "after", on: "approved" },
    { from: "after", to: "done" },
  ],
});

type Line = Record<string, unknown> & { type: string };
type View = RunBody & {
  lastSeq: number;
  archived?: { sourceRunId: string; workflowName: string | null; importedAt: number };
  output?: { file: { $blob: string } };
};

const read = async (runId: string) => (await api<View>("GET", `/api/runs/${runId}`)).body;

async function exported(path: string, key = TEST_KEY): Promise<{ status: number; text: string }> {
  const res = await SELF.fetch(`https://aob.test${path}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: res.status, text: new TextDecoder().decode(await res.arrayBuffer()) };
}

async function imported(text: string, key = TEST_KEY) {
  const res = await SELF.fetch("https://aob.test/api/runs/import", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
    body: text,
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      runs: { sourceRunId: string; runId: string }[];
      error: { code: string; message: string; details: { errors: Record<string, unknown>[] } };
    },
  };
}

const linesOf = (text: string): Line[] =>
  text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Line);

/** The archive without what differs between two exports of one record: ids and times. */
function comparable(lines: Line[]): Line[] {
  return lines.map((line) => {
    if (line.type === "end") return { ...line, runId: "*" };
    if (line.type !== "run") return line;
    const {
      exportedAt: _e,
      run,
      view,
      ...rest
    } = line as Line & {
      run: Record<string, unknown>;
      view: Record<string, unknown>;
    };
    const { id: _id, archived: _a, ...viewRest } = view;
    return { ...rest, run: { ...run, id: "*" }, view: viewRest };
  });
}

/** Archived runs of this tenant imported from `sourceRunId`, visible or not. */
async function importsOf(sourceRunId: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM runs WHERE archived_from = ?`)
    .bind(sourceRunId)
    .first<{ n: number }>();
  return row!.n;
}

/** One ended source run, shared by the tests: started, patched, approved with form data. */
const source = (async () => {
  const tag = `arch${Date.now()}`;
  const workflowId = await createWorkflow(archived(tag));
  const runId = await startRun(workflowId, { item: "the file" });
  await poll(
    `run ${runId} to wait at its approval`,
    () => read(runId),
    (run) => run.status === "waiting",
  );
  const patched = await api("POST", `/api/runs/${runId}/patches`, {
    ops: [{ op: "update_node", id: "after", config: { expression: "'patched'" } }],
    reason: "a person's patch",
  });
  expect(patched.status).toBe(201);
  const decided = await api("POST", `/api/runs/${runId}/approvals/gate`, {
    decision: "approve",
    data: { note: "keep it" },
    comment: "fine",
  });
  expect(decided.status).toBe(200);
  const run = await poll(
    `run ${runId} to end`,
    () => read(runId),
    (r) => ["completed", "failed", "cancelled"].includes(r.status),
  );
  expect(run.status, JSON.stringify(run.error)).toBe("completed");
  const archive = await exported(`/api/runs/${runId}/export`);
  expect(archive.status).toBe(200);
  return { workflowId, runId, run, archive: archive.text };
})();

describe("run export and import", { timeout: 60_000 }, () => {
  it("round-trips a run: the imported run's export holds the same record, and it reads like the source", async () => {
    const { runId, run, archive } = await source;
    const lines = linesOf(archive);
    expect(lines.map((l) => l.type)).toEqual([
      "run",
      ...run.nodes.map(() => "node"),
      "approval",
      "patch",
      ...Array.from({ length: run.lastSeq }, () => "event"),
      ...lines.filter((l) => l.type === "blob").map(() => "blob"),
      "end",
    ]);
    const approval = lines.find((l) => l.type === "approval") as unknown as {
      approval: { votes: { data: unknown; comment: string }[] };
    };
    expect(approval.approval.votes[0]).toMatchObject({
      data: { note: "keep it" },
      comment: "fine",
    });
    // The file (100,000 bytes in one piece) and every output, the 100 KB one included.
    const blobs = lines.filter((l) => l.type === "blob") as unknown as {
      hash: string;
      kind: string;
      bytes: number;
    }[];
    expect(blobs).toContainEqual(
      expect.objectContaining({ hash: run.output!.file.$blob, kind: "stream", bytes: 100_000 }),
    );
    expect(blobs.some((b) => b.kind === "output" && b.bytes > 100_000)).toBe(true);

    const done = await imported(archive);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body.runs).toEqual([{ sourceRunId: runId, runId: expect.any(String) }]);
    const copy = done.body.runs[0]!.runId;
    expect(copy).not.toBe(runId);

    const again = await exported(`/api/runs/${copy}/export`);
    expect(again.status).toBe(200);
    expect(comparable(linesOf(again.text))).toEqual(comparable(lines));

    const view = await read(copy);
    const { id: _a, archived: from, held: _h, ...rest } = view as View & { held: boolean };
    const { id: _b, held: _h2, ...original } = run as View & { held: boolean };
    expect(rest).toEqual(original);
    expect(from).toMatchObject({
      sourceRunId: runId,
      workflowName: expect.stringMatching(/^archived/),
    });
    const events = async (id: string) =>
      (await api<{ events: unknown[] }>("GET", `/api/runs/${id}/events?limit=5000`)).body.events;
    expect(await events(copy)).toEqual(await events(runId));
    const patches = async (id: string) =>
      (await api<{ patches: unknown[] }>("GET", `/api/runs/${id}/patches`)).body.patches;
    expect(await patches(copy)).toEqual(await patches(runId));

    // The definition it ran comes from its archive: the same as the source's version.
    const definition = async (id: string) =>
      (await api<{ definition: unknown; source: string }>("GET", `/api/runs/${id}/definition`))
        .body;
    const [theirs, ours] = await Promise.all([definition(runId), definition(copy)]);
    expect(theirs.source).toBe("version");
    expect(ours).toEqual({ ...theirs, source: "archive" });

    // Its blobs are served, byte for byte, and it is listed as archived.
    const blob = await SELF.fetch(`https://aob.test/api/blobs/${run.output!.file.$blob}`, {
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    expect((await blob.arrayBuffer()).byteLength).toBe(100_000);
    const listed = await api<{ runs: { id: string; archivedFrom: string | null }[] }>(
      "GET",
      `/api/runs?limit=500`,
    );
    expect(listed.body.runs.find((r) => r.id === copy)?.archivedFrom).toBe(runId);
    expect(listed.body.runs.find((r) => r.id === runId)?.archivedFrom).toBeNull();

    // Another tenant's import is its own: a new run, never this tenant's.
    const other = await imported(archive, OTHER_KEY);
    expect(other.status).toBe(201);
    expect((await api("GET", `/api/runs/${other.body.runs[0]!.runId}`)).status).toBe(404);
  });

  it("is read-only and outlives retention; deleting it leaves nothing", async () => {
    const { runId, archive } = await source;
    const copy = (await imported(archive)).body.runs[0]!.runId;
    const refusals = await Promise.all([
      api("POST", `/api/runs/${copy}/replay`, { fromNode: "after" }),
      api("POST", `/api/runs/${copy}/cancel`),
      api("POST", `/api/runs/${copy}/approvals/gate`, { decision: "reject" }),
      api("POST", `/api/runs/${copy}/patches`, {
        ops: [{ op: "update_node", id: "after", config: { expression: "'x'" } }],
      }),
    ]);
    expect(refusals.map((r) => r.status)).toEqual([409, 409, 409, 409]);
    expect(JSON.stringify(refusals[0]!.body)).toContain("archived");

    // A thousand days on, retention takes the source and never the archive.
    const expired = await expiredRuns(env.DB, Date.now() + 1000 * DAY, 100_000);
    expect(expired).toContain(runId);
    expect(expired).not.toContain(copy);

    const file = (await read(copy)).output!.file.$blob;
    const keys = async (id: string) =>
      (await env.BLOBS.list({ prefix: `cas/stream/${id}/` })).objects.length;
    expect(await keys(copy)).toBeGreaterThan(0);
    expect((await api("DELETE", `/api/runs/${copy}`)).status).toBe(200);
    expect(await rowsNaming("run_id", "runs", copy)).toEqual({});
    expect(await keys(copy)).toBe(0);
    const left = await runInDurableObject(
      stubOf(copy),
      (_obj, state) =>
        state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM events`).one().n,
    ).catch(() => 0);
    expect(left).toBe(0);
    // The source still serves its own copy of the file.
    const blob = await SELF.fetch(`https://aob.test/api/blobs/${file}`, {
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    expect((await blob.arrayBuffer()).byteLength).toBe(100_000);
  });

  it("refuses a damaged archive with the line and path of the damage, and keeps nothing of it", async () => {
    const { runId, archive } = await source;
    const lines = archive.split("\n").filter((l) => l !== "");
    const at = (type: string) => lines.findIndex((l) => JSON.parse(l).type === type);
    const edit = (i: number, change: (line: Line) => Line) =>
      lines.map((l, j) => (j === i ? JSON.stringify(change(JSON.parse(l) as Line)) : l)).join("\n");
    const firstBlob = at("blob");
    const firstEvent = at("event");
    const cases: [string, string, { line: number; at: string; message: RegExp }][] = [
      [
        "cut short",
        lines.slice(0, -3).join("\n"),
        { line: lines.length - 2, at: "", message: /no end line/ },
      ],
      [
        "a blob's bytes changed",
        edit(firstBlob, (l) => ({ ...l, data: `AAAA${(l.data as string).slice(4)}` })),
        { line: firstBlob + 1, at: "hash", message: /hash to/ },
      ],
      [
        "an event out of order",
        edit(firstEvent + 1, (l) => ({ ...l, event: { ...(l.event as object), seq: 1 } })),
        { line: firstEvent + 2, at: "event.seq", message: /out of order/ },
      ],
      [
        "an active run",
        edit(0, (l) => ({ ...l, view: { ...(l.view as object), status: "running" } })),
        { line: 1, at: "view.status", message: /view\.status/ },
      ],
      ["not JSON", `${lines[0]}\n{"type":`, { line: 2, at: "", message: /not JSON/ }],
    ];
    const before = await importsOf(runId);
    for (const [what, text, expected] of cases) {
      const res = await imported(text);
      expect(res.status, what).toBe(400);
      expect(res.body.error.code, what).toBe("validation_failed");
      expect(res.body.error.details.errors[0], what).toMatchObject({
        line: expected.line,
        at: expected.at,
      });
      expect(res.body.error.message, what).toMatch(expected.message);
      expect(await importsOf(runId), what).toBe(before);
    }
  });

  it("exports a filter's ended runs as one archive that imports whole, and refuses an active run", async () => {
    const { workflowId } = await source;
    const waiting = await startRun(workflowId, { item: "pending" });
    await poll(
      `run ${waiting} to wait`,
      () => read(waiting),
      (r) => r.status === "waiting",
    );
    const one = await exported(`/api/runs/${waiting}/export`);
    expect(one.status).toBe(409);
    expect(one.text).toContain("still waiting");

    const bulk = await exported(`/api/runs/export?workflowId=${workflowId}`);
    expect(bulk.status).toBe(200);
    const lines = linesOf(bulk.text);
    const summary = lines.at(-1) as Line & { runs: number; skipped: unknown[] };
    expect(summary).toMatchObject({ type: "summary", nextCursor: null });
    expect(summary.skipped).toEqual([{ id: waiting, status: "waiting" }]);
    expect(lines.filter((l) => l.type === "run")).toHaveLength(summary.runs);
    expect(summary.runs).toBeGreaterThanOrEqual(1);
    const done = await imported(bulk.text);
    expect(done.status).toBe(201);
    expect(done.body.runs).toHaveLength(summary.runs);
    await api("POST", `/api/runs/${waiting}/cancel`);
  });
});
