/// <reference path="../worker-configuration.d.ts" />
/**
 * The benchmark's Worker (bench/wrangler.bench.toml, `npm run bench` only; never deployed): the
 * project's Worker unchanged, plus the bench scenarios written as a Cloudflare Workflows class
 * (one `step.do` per node), routes to start an instance and read its status, and a probe.
 *   POST /bench/workflows      { shape, steps, url? } -> 201 { id }
 *   GET  /bench/workflows/:id  -> { status, output?, error? }
 *   GET  /bench/probe?url=…    -> medians (ms) of the platform's own costs, the floor of a hop
 *   GET  /bench/projection/:runId -> { status, executions }: what D1 holds of an aob run
 *   GET  /bench/probe-ws       -> WebSocket to ProbeObject: a DO's own send → arrival floor
 *   POST /bench/optimiser-run  { definition, input, passes } -> 201 { runId }: a run of the
 *        definition compiled with only those optimiser passes (null: none), tenant `local`
 */
// First: @hono/zod-openapi adds `.openapi()` to zod schemas created after it loads (zod 4
// copies methods at construction), and the API names core's schemas (budget, patches, the
// workflow definition) with it. Loading it before anything else makes that order-independent.
import "@hono/zod-openapi";
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import type { PassName } from "../core/compile/ir";
import { validateWorkflow } from "../core/workflow/validate";
import { compileWorkflow } from "../platform/optimiser";
import aob from "../workers/index";
import { fetchOnce, noteQueueBatch, probe } from "./probe";
import type { ProbeObject } from "./probe-object";

export { RateLimiter, RunObject } from "../workers/index";
export { ProbeObject } from "./probe-object";

/**
 * `chain`: sequential no-op steps; `fanout`: concurrent fetches; `http_chain`: sequential
 * fetches; `fanout_noop`: concurrent no-op steps (a reference shape, without an aob twin);
 * `payload`: one step fetches `url` and returns its JSON body, a second returns the length of
 * its `data` (the payload bench's twin of http → transform; `steps` is ignored).
 */
export type BenchShape = "chain" | "fanout" | "http_chain" | "fanout_noop" | "payload";

export interface BenchParams {
  shape: BenchShape;
  steps: number;
  /** What the http shapes fetch (the bench's local server). */
  url?: string;
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
}

export interface BenchEnv extends Env {
  BENCH_WF: Workflow<BenchParams>;
  BENCH_PROBE: DurableObjectNamespace<ProbeObject>;
}

const SHAPES: readonly BenchShape[] = ["chain", "fanout", "http_chain", "fanout_noop", "payload"];

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
    (v.url === undefined || typeof v.url === "string")
  );
}

async function benchRoute(request: Request, path: string, env: BenchEnv): Promise<Response> {
  if (request.method === "POST" && path === "/bench/workflows") {
    const params: unknown = await request.json();
    if (!isParams(params)) {
      return Response.json({ error: "expected { shape, steps, url? }" }, { status: 400 });
    }
    const instance = await env.BENCH_WF.create({ params });
    return Response.json({ id: instance.id }, { status: 201 });
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
