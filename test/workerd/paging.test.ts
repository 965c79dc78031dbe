import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { api, createWorkflow, ECHO_WORKFLOW, startRun, waitForRun } from "./helpers";

interface Listed {
  nextCursor: string | null;
  [list: string]: unknown;
}

/** Every page of a list, `limit` at a time, calling `between` after each page. */
async function walk(
  path: string,
  list: string,
  key: (item: Record<string, unknown>) => string,
  between: () => Promise<void> = async () => {},
): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const sep = path.includes("?") ? "&" : "?";
    const url: string = cursor ? `${path}${sep}cursor=${cursor}` : path;
    const res = await api<Listed>("GET", url);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    seen.push(...(res.body[list] as Record<string, unknown>[]).map(key));
    cursor = res.body.nextCursor;
    if (cursor === null) return seen;
    await between();
  }
  throw new Error(`${path} did not end within 1000 pages`);
}

const insertRun = (id: string, workflowId: string, createdAt: number) =>
  env.DB.prepare(
    `INSERT INTO runs (id, tenant_id, workflow_id, version, status, created_at) VALUES (?, 't_a', ?, 1, 'completed', ?)`,
  )
    .bind(id, workflowId, createdAt)
    .run();

describe("paging", { timeout: 60_000 }, () => {
  it("sees every run present throughout exactly once, whatever is inserted or deleted between pages", async () => {
    let trial = 0;
    await fc.assert(
      fc.asyncProperty(
        // Creation times from a few values, so many runs share one and the id breaks the tie.
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(
          fc.record({
            insert: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }),
            remove: fc.array(fc.nat(), { maxLength: 2 }),
          }),
          { maxLength: 12 },
        ),
        async (times, limit, steps) => {
          const wf = `wf_paging_${trial++}`;
          const present = times.map((t, i) => ({ id: `r_${wf}_${i}`, t }));
          for (const run of present) await insertRun(run.id, wf, run.t);
          const deleted = new Set<string>();
          let added = 0;
          let step = 0;
          const between = async () => {
            const change = steps[step++];
            if (!change) return;
            for (const t of change.insert) await insertRun(`r_${wf}_new${added++}`, wf, t);
            for (const pick of change.remove) {
              const victim = present[pick % Math.max(present.length, 1)];
              if (!victim) continue;
              deleted.add(victim.id);
              await env.DB.prepare(`DELETE FROM runs WHERE id = ?`).bind(victim.id).run();
            }
          };
          const seen = await walk(
            `/api/runs?workflowId=${wf}&limit=${limit}`,
            "runs",
            (r) => r.id as string,
            between,
          );
          expect(new Set(seen).size).toBe(seen.length);
          const kept = present.filter((r) => !deleted.has(r.id)).map((r) => r.id);
          for (const id of kept) expect(seen).toContain(id);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("pages every list through its cursor, and refuses a cursor it did not give", async () => {
    const wf = await createWorkflow({ ...ECHO_WORKFLOW, name: "paged" });
    for (let v = 0; v < 2; v++) {
      await api("PUT", `/api/workflows/${wf}`, { ...ECHO_WORKFLOW, name: "paged" });
    }
    for (const name of ["PAGED_A", "PAGED_B", "PAGED_C"]) {
      await api("PUT", `/api/secrets/${name}`, { value: "x" });
    }
    for (const name of ["pager 1", "pager 2"]) {
      await api("POST", "/api/keys", { name, scopes: ["read"] });
    }
    const runId = await startRun(wf, { hello: 1 });
    await waitForRun(runId);

    const lists: [string, string, (item: Record<string, unknown>) => string][] = [
      ["/api/workflows", "workflows", (w) => w.id as string],
      [`/api/workflows/${wf}/versions`, "versions", (v) => String(v.version)],
      ["/api/secrets", "secrets", (s) => s.name as string],
      ["/api/keys", "keys", (k) => k.id as string],
      ["/api/runs", "runs", (r) => r.id as string],
      [`/api/runs/${runId}/events`, "events", (e) => String(e.seq)],
      ["/api/approvals?status=pending", "approvals", (a) => `${a.runId}/${a.nodeId}`],
      [`/api/runs/${runId}/patches`, "patches", (p) => String(p.id)],
    ];
    for (const [path, list, key] of lists) {
      const whole = await walk(`${path}${path.includes("?") ? "&" : "?"}limit=500`, list, key);
      const paged = await walk(`${path}${path.includes("?") ? "&" : "?"}limit=1`, list, key);
      expect(paged, path).toEqual(whole);
    }
    expect(await walk("/api/secrets?limit=1", "secrets", (s) => s.name as string)).toEqual(
      expect.arrayContaining(["PAGED_A", "PAGED_B", "PAGED_C"]),
    );

    const runs = await api<Listed>("GET", "/api/runs?limit=1");
    const foreign = await api<{ error: { details: { errors: { at: string }[] } } }>(
      "GET",
      `/api/workflows?cursor=${runs.body.nextCursor}0`,
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details.errors[0]!.at).toBe("cursor");
    // A runs cursor has the shape of a workflows cursor, so it is read as one: another list's
    // place, which pages on from there without error; a secrets cursor does not fit.
    const secrets = await api<Listed>("GET", "/api/secrets?limit=1");
    expect((await api("GET", `/api/runs?cursor=${secrets.body.nextCursor}`)).status).toBe(400);
  });

  it("finds a workflow by its exact name", async () => {
    const id = await createWorkflow({ ...ECHO_WORKFLOW, name: "exactly this" });
    await createWorkflow({ ...ECHO_WORKFLOW, name: "exactly this too" });
    const found = await api<{ workflows: { id: string }[] }>(
      "GET",
      `/api/workflows?name=${encodeURIComponent("exactly this")}`,
    );
    expect(found.body.workflows.map((w) => w.id)).toEqual([id]);
  });
});
