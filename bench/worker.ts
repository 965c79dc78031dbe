/// <reference path="../worker-configuration.d.ts" />
/**
 * The benchmark's Worker (bench/wrangler.bench.toml, `npm run bench` only; never deployed): the
 * project's Worker unchanged, plus the bench scenarios written as a Cloudflare Workflows class
 * (one `step.do` per node), routes to start an instance and read its status, and a probe.
 *   POST /bench/workflows      { shape, steps, url? } -> 201 { id }
 *   GET  /bench/workflows/:id  -> { status, output?, error? }
 *   POST /bench/workflows/batch { count } -> 201 { ids }: `count` instances of the `child`
 *        shape (n = 1 … count), made with `createBatch` in calls of at most 100
 *   POST /bench/workflows/statuses { ids } -> { views }: `instance.status()` of the ids in order,
 *        50 at a time, up to the first 50 in which one has not ended (bench/children.ts)
 *   GET  /bench/children?since=ms -> { runs }: D1's rows of the runs a parent started since then
 *   GET  /bench/probe?url=…    -> medians (ms) of the platform's own costs, the floor of a hop
 *   GET  /bench/projection/:runId -> { status, executions }: what D1 holds of an aob run
 *   GET  /bench/probe-ws       -> WebSocket to ProbeObject: a DO's own send → arrival floor
 *   POST /bench/optimiser-run  { definition, input, passes } -> 201 { runId }: a run of the
 *        definition compiled with only those optimiser passes (null: none), tenant `local`
 *   POST /bench/sweep?at=ms    -> one retention sweep at that time, as the scheduled handler
 *        runs it, with its wall time: { ms, report }
 *   GET  /bench/sweeps         -> every sweep's own record (`sweeps`), oldest first
 *   POST /bench/tenant         { id, key } -> 201: a second tenant with that API key (bench/flow.ts)
 *   POST /bench/blob-lookup    { executions, lookups } -> seeds that many node executions (and
 *        a hold each), then times the blob route's lookup before and after issue 18: { old, now }
 *   POST /bench/dashboard/…    seeds a tenant's history and meters `/api/stats`'s reads
 *        (bench/dashboard-route.ts)
 */
// First: @hono/zod-openapi adds `.openapi()` to zod schemas created after it loads (zod 4
// copies methods at construction), and the API names core's schemas (budget, patches, the
// workflow definition) with it. Loading it before anything else makes that order-independent.
import "@hono/zod-openapi";
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import type { PassName } from "../core/compile/ir";
import { validateWorkflow } from "../core/workflow/validate";
import { compileWorkflow } from "../platform/optimiser";
import { hashKey } from "../workers/api/auth";
import aob from "../workers/index";
import { sweep } from "../workers/lifecycle/sweep";
import { dashboardRoute } from "./dashboard-route";
import { fetchOnce, noteQueueBatch, probe } from "./probe";
import type { ProbeObject } from "./probe-object";

export { RateLimiter, RunGate, RunObject } from "../workers/index";
export { ProbeObject } from "./probe-object";

/**
 * `chain`: sequential no-op steps; `fanout`: concurrent fetches; `http_chain`: sequential
 * fetches; `fanout_noop`: concurrent no-op steps (a reference shape, without an aob twin);
 * `payload`: one step fetches `url` and returns its JSON body, a second returns the length of
 * its `data` (the payload bench's twin of http → transform; `steps` is ignored); `child`: three
 * steps, `start` (returns `n`), `work` (n × n), `end` (returns it), the twin of a 3-node child
 * workflow start → transform → end (bench/children.ts; `steps` is ignored).
 */
export type BenchShape = "chain" | "fanout" | "http_chain" | "fanout_noop" | "payload" | "child";

export interface BenchParams {
  shape: BenchShape;
  steps: number;
  /** What the http shapes fetch (the bench's local server). */
  url?: string;
  /** `child`: the item it squares. */
  n?: number;
}

/**
 * The Workflow's output. `startedAt`: the instance's creation time. `marks[i]`: Date.now() when
 * step i's callback began (chains) or when its fetch ended (fan-out).
 */
export interface BenchOutput {
  startedAt: number;
  marks: number[];
  /** `payload`: the length of the fetched body's `data`, as the second step read it. */
  length?: number;
  /** `child`: n × n, as the `end` step returned it. */
  value?: number;
}

export interface BenchEnv extends Env {
  BENCH_WF: Workflow<BenchParams>;
  BENCH_PROBE: DurableObjectNamespace<ProbeObject>;
}

const SHAPES: readonly BenchShape[] = [
  "chain",
  "fanout",
  "http_chain",
  "fanout_noop",
  "payload",
  "child",
];

/**
 * No retry for the payload steps: a result over the step limit fails the same way every time,
 * and the default (5 retries, 1 s exponential) would add 31 s to each refusal. aob's twin runs
 * with `maxAttempts: 1` too.
 */
const ONCE = { retries: { limit: 0, delay: 0 } } as const;

export class BenchWorkflow extends WorkflowEntrypoint<BenchEnv, BenchParams> {
  override async run(event: Readonly<WorkflowEvent<BenchParams>>, step: WorkflowStep) {
    const { shape, steps, url = "" } = event.payload;
    const name = (i: number) => `s${String(i).padStart(4, "0")}`;
    const marks: number[] = [];
    switch (shape) {
      case "chain":
        for (let i = 0; i < steps; i++) marks.push(await step.do(name(i), async () => Date.now()));
        break;
      case "http_chain":
        for (let i = 0; i < steps; i++) {
          marks.push(
            await step.do(name(i), async () => {
              const began = Date.now();
              await fetchOnce(url);
              return began;
            }),
          );
        }
        break;
      case "fanout":
        marks.push(
          ...(await Promise.all(
            Array.from({ length: steps }, (_, i) => step.do(name(i), () => fetchOnce(url))),
          )),
        );
        break;
      case "fanout_noop":
        marks.push(
          ...(await Promise.all(
            Array.from({ length: steps }, (_, i) => step.do(name(i), async () => Date.now())),
          )),
        );
        break;
      case "payload": {
        const body = await step.do("fetch", ONCE, async () => {
          const res = await fetch(url);
          if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
          return (await res.json()) as { data: string };
        });
        const length = await step.do("size", ONCE, async () => body.data.length);
        return { startedAt: event.timestamp.getTime(), marks, length } satisfies BenchOutput;
      }
      case "child": {
        // Each step returns what the next reads, as aob's nodes pass outputs; a mark per step.
        const n = await step.do("start", async () => event.payload.n ?? 0);
        marks.push(Date.now());
        const square = await step.do("work", async () => n * n);
        marks.push(Date.now());
        const value = await step.do("end", async () => square);
        marks.push(Date.now());
        return { startedAt: event.timestamp.getTime(), marks, value } satisfies BenchOutput;
      }
    }
    return { startedAt: event.timestamp.getTime(), marks } satisfies BenchOutput;
  }
}

function isParams(value: unknown): value is BenchParams {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    SHAPES.includes(v.shape as BenchShape) &&
    Number.isInteger(v.steps) &&
    (v.steps as number) > 0 &&
    (v.url === undefined || typeof v.url === "string") &&
    (v.n === undefined || typeof v.n === "number")
  );
}

/** `createBatch` takes at most 100 instances a call (its documented limit in production). */
const BATCH_LIMIT = 100;
/** Instances whose status one `statuses` call reads at once. */
const STATUS_CHUNK = 50;

/**
 * `count` instances of the `child` shape, n = 1 … count, created with `createBatch` in calls of
 * at most 100, the calls made together: the quickest way a caller has to start that many.
 */
async function createChildren(env: BenchEnv, count: number): Promise<string[]> {
  const batches: WorkflowInstanceCreateOptions<BenchParams>[][] = [];
  for (let first = 0; first < count; first += BATCH_LIMIT) {
    const size = Math.min(BATCH_LIMIT, count - first);
    batches.push(
      Array.from({ length: size }, (_, i) => ({
        params: { shape: "child", steps: 3, n: first + i + 1 },
      })),
    );
  }
  const created = await Promise.all(batches.map((b) => env.BENCH_WF.createBatch(b)));
  return created.flat().map((instance) => instance.id);
}

/** What `statuses` answers per instance; `status` is `unknown` when the instance cannot be read yet. */
interface StatusView {
  id: string;
  status: string;
  output?: unknown;
  error?: unknown;
}

const ENDED = new Set(["complete", "errored", "terminated"]);

/**
 * The statuses of `ids` in order, STATUS_CHUNK at a time, up to and including the first chunk
 * in which one has not ended: instances started together end roughly in order, so a poll while
 * they run reads one chunk, not every instance.
 */
async function childStatuses(env: BenchEnv, ids: string[]): Promise<StatusView[]> {
  const views: StatusView[] = [];
  for (let first = 0; first < ids.length; first += STATUS_CHUNK) {
    const chunk = await Promise.all(
      ids.slice(first, first + STATUS_CHUNK).map(async (id): Promise<StatusView> => {
        try {
          const status = await (await env.BENCH_WF.get(id)).status();
          return { id, ...status };
        } catch (err) {
          // Created in the background (`create` answers before the instance is stored).
          return { id, status: "unknown", error: String(err) };
        }
      }),
    );
    views.push(...chunk);
    if (chunk.some((v) => !ENDED.has(v.status))) break;
  }
  return views;
}

async function benchRoute(request: Request, path: string, env: BenchEnv): Promise<Response> {
  if (path.startsWith("/bench/dashboard/")) {
    const answer = await dashboardRoute(request, path, env.DB);
    if (answer) return answer;
  }
  if (request.method === "POST" && path === "/bench/workflows") {
    const params: unknown = await request.json();
    if (!isParams(params)) {
      return Response.json({ error: "expected { shape, steps, url? }" }, { status: 400 });
    }
    const instance = await env.BENCH_WF.create({ params });
    return Response.json({ id: instance.id }, { status: 201 });
  }
  if (request.method === "POST" && path === "/bench/workflows/batch") {
    const { count } = (await request.json()) as { count?: unknown };
    if (!Number.isInteger(count) || (count as number) < 1) {
      return Response.json({ error: "expected { count }" }, { status: 400 });
    }
    return Response.json({ ids: await createChildren(env, count as number) }, { status: 201 });
  }
  if (request.method === "POST" && path === "/bench/workflows/statuses") {
    const { ids } = (await request.json()) as { ids?: unknown };
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string")) {
      return Response.json({ error: "expected { ids }" }, { status: 400 });
    }
    return Response.json({ views: await childStatuses(env, ids) });
  }
  if (request.method === "GET" && path === "/bench/children") {
    // Child runs carry trigger `subworkflow` in D1 (their parent is in the object, not the row).
    const since = Number(new URL(request.url).searchParams.get("since") ?? 0);
    const rows = await env.DB.prepare(
      `SELECT status, created_at AS createdAt, finished_at AS finishedAt FROM runs
        WHERE trigger = 'subworkflow' AND created_at >= ? ORDER BY created_at`,
    )
      .bind(since)
      .all();
    return Response.json({ runs: rows.results });
  }
  if (request.method === "POST" && path === "/bench/optimiser-run") {
    return optimiserRun(request, env);
  }
  if (request.method === "GET" && path === "/bench/probe-ws") {
    return env.BENCH_PROBE.get(env.BENCH_PROBE.idFromName("ws")).fetch(request);
  }
  if (request.method === "GET" && path === "/bench/probe") {
    const url = new URL(request.url).searchParams.get("url");
    if (!url) return Response.json({ error: "expected ?url=" }, { status: 400 });
    return Response.json(await probe(env, url));
  }
  if (request.method === "POST" && path === "/bench/sweep") {
    const at = Number(new URL(request.url).searchParams.get("at") ?? Date.now());
    const started = performance.now();
    const report = await sweep(env, at);
    return Response.json({ ms: performance.now() - started, report });
  }
  if (request.method === "POST" && path === "/bench/tenant") {
    const { id, key } = (await request.json()) as { id: string; key: string };
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare(`INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES (?, ?, ?)`).bind(
        id,
        `bench ${id}`,
        now,
      ),
      env.DB.prepare(
        `INSERT OR IGNORE INTO users (id, tenant_id, name, roles, created_at) VALUES (?, ?, 'bench', '["admin"]', ?)`,
      ).bind(`usr_${id}`, id, now),
      env.DB.prepare(
        `INSERT OR REPLACE INTO api_keys (id, tenant_id, user_id, name, key_hash, scopes, created_at) VALUES (?, ?, ?, 'bench', ?, '["read","run","edit","approve","admin"]', ?)`,
      ).bind(`key_${id}`, id, `usr_${id}`, await hashKey(key), now),
    ]);
    return new Response(null, { status: 201 });
  }
  if (request.method === "GET" && path === "/bench/sweeps") {
    const rows = await env.DB.prepare(
      `SELECT runs_deleted AS runsDeleted, rows_deleted AS rowsDeleted, blobs_deleted AS blobsDeleted,
         bytes_freed AS bytesFreed, more FROM sweeps ORDER BY id`,
    ).all();
    return Response.json({ sweeps: rows.results });
  }
  if (request.method === "POST" && path === "/bench/blob-lookup") {
    return Response.json(await blobLookup(env, (await request.json()) as LookupParams));
  }
  const runId = path.match(/^\/bench\/projection\/([\w-]+)$/)?.[1];
  if (request.method === "GET" && runId) {
    // The RunObject projects to D1 in the background now; the bench waits for it between runs.
    const row = await env.DB.prepare(
      `SELECT (SELECT status FROM runs WHERE id = ?1) AS status,
              (SELECT count(*) FROM node_executions WHERE run_id = ?1) AS executions`,
    )
      .bind(runId)
      .first<{ status: string | null; executions: number }>();
    return Response.json({ status: row?.status ?? null, executions: row?.executions ?? 0 });
  }
  const id = path.match(/^\/bench\/workflows\/([\w-]+)$/)?.[1];
  if (request.method === "GET" && id) {
    const instance = await env.BENCH_WF.get(id);
    return Response.json(await instance.status());
  }
  return Response.json({ error: `no route ${request.method} ${path}` }, { status: 404 });
}

interface LookupParams {
  executions: number;
  lookups: number;
}

/**
 * The blob route's lookup at `executions` node executions of one tenant: before issue 18 it
 * found an output by `node_executions.output_hash` joined to its run (no index: a scan); now
 * it reads the tenant's hold in `blobs` by its key. Both timed on the same seeded rows.
 */
async function blobLookup(env: BenchEnv, params: LookupParams) {
  const run = `run_lookup_${params.executions}`;
  const seeded = await env.DB.prepare(`SELECT count(*) AS n FROM node_executions WHERE run_id = ?`)
    .bind(run)
    .first<{ n: number }>();
  if (seeded?.n !== params.executions) {
    await env.DB.batch([
      env.DB.prepare(
        `INSERT OR IGNORE INTO runs (id, tenant_id, workflow_id, version, status, created_at) VALUES (?, 'local', 'wf_lookup', 1, 'completed', 0)`,
      ).bind(run),
      env.DB.prepare(
        `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
         INSERT OR IGNORE INTO node_executions (run_id, node_id, iteration, attempt, type, status, output_hash)
         SELECT ?, 'n' || i, 0, 1, 'transform', 'succeeded', printf('%064x', i) FROM c`,
      ).bind(params.executions, run),
      env.DB.prepare(
        `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
         INSERT OR IGNORE INTO blobs (tenant_id, hash, key, bytes, content_type, run_id, created_at)
         SELECT 'local', printf('%064x', i), 'cas/sha256/' || printf('%064x', i), 100, 'application/json', ?, 0 FROM c`,
      ).bind(params.executions, run),
    ]);
  }
  // D1's own time for each statement (`meta.duration`, ms, fractional): the query's cost
  // without the local round trip, which is the same for both.
  const time = async (sql: string) => {
    const ms: number[] = [];
    for (let k = 0; k < params.lookups; k++) {
      const hash = (1 + ((k * 7919) % params.executions)).toString(16).padStart(64, "0");
      const result = await env.DB.prepare(sql).bind(hash).all();
      if (result.results.length !== 1) throw new Error(`lookup of ${hash} found nothing`);
      ms.push(result.meta.duration);
    }
    return ms;
  };
  const old = await time(
    `SELECT ne.run_id FROM node_executions ne JOIN runs r ON r.id = ne.run_id WHERE ne.output_hash = ? AND r.tenant_id = 'local' LIMIT 1`,
  );
  // tenantBlob's statement (db/blobs.ts), as drizzle sends it.
  const now = await time(
    `SELECT key, bytes, content_type FROM blobs WHERE tenant_id = 'local' AND hash = ? LIMIT 1`,
  );
  return { old, now };
}

/** A run compiled with a chosen set of optimiser passes (bench/optimiser-effects.ts). */
async function optimiserRun(request: Request, env: BenchEnv): Promise<Response> {
  const body = (await request.json()) as {
    definition: unknown;
    input: unknown;
    passes: PassName[] | null;
  };
  const checked = validateWorkflow(body.definition);
  if (!checked.ok) return Response.json({ error: checked.errors }, { status: 400 });
  const ir =
    body.passes === null
      ? compileWorkflow(checked.definition, { optimise: false })
      : compileWorkflow(checked.definition, { passes: body.passes });
  const runId = `run_bench_${crypto.randomUUID().replaceAll("-", "")}`;
  const meta = {
    runId,
    tenantId: "local",
    workflowId: "wf_bench_optimiser",
    version: 1,
    createdAt: Date.now(),
  };
  await env.DB.prepare(
    `INSERT INTO runs (id, tenant_id, workflow_id, version, status, created_at) VALUES (?, 'local', ?, 1, 'running', ?)`,
  )
    .bind(runId, meta.workflowId, meta.createdAt)
    .run();
  await env.RUNS.get(env.RUNS.idFromName(runId)).create({
    meta,
    definition: checked.definition,
    ir,
    input: body.input,
  });
  return Response.json({ runId }, { status: 201 });
}

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path.startsWith("/bench/")) return benchRoute(request, path, env);
    return aob.fetch(request, env, ctx);
  },
  async queue(batch, env, ctx) {
    noteQueueBatch(batch);
    await aob.queue(batch, env, ctx);
  },
} satisfies ExportedHandler<BenchEnv>;
