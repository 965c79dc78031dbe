/**
 * One simulated run: the real engine (durable-objects/run/open.ts) in a `World`, driven by one
 * seeded generator. Each action is what the platform or a person does to a run object: a queue
 * delivery to the (simulated) runner and its report, a late report, an inline fetch answering,
 * the alarm (on time, early, twice), the clock moving, a decision, a cancel, a crash. After each
 * action the engine settles and `checks.ts` looks at it; at the end the run is compared with the
 * same workflow run without faults.
 */
import { canonicalJson } from "../../../core/cas/hash";
import { Patch } from "../../../core/patches";
import type { ExecuteJob } from "../../../core/wire/node-job";
import type { NodeResult } from "../../../core/wire/node-result";
import { validateWorkflow } from "../../../core/workflow/validate";
import { insertStartedRun } from "../../../db/runs";
import { openRun } from "../../../durable-objects/run/open";
import { addressOf } from "../../../platform/hash";
import { readJob } from "../../../platform/job-queue";
import { compileWorkflow } from "../../../platform/optimiser";
import { checkStep, type RunRecord, recordOf } from "./checks";
import { ChildDriver, type FamilyMember } from "./children";
import { Rng } from "./random";
import type { Workload } from "./workload";
import { type Enter, type FaultRates, NO_FAULTS, SimCrash, World } from "./world";

export interface CaseOptions {
  seed: number;
  runId: string;
  workload: Workload;
  /** Real storage of a fresh object, and the environment (D1) of the test. */
  storage: DurableObjectStorage;
  env: Env;
  /** A workflow of a tenant in D1, as the API would have started the run for. */
  owner: { tenantId: string; workflowId: string };
  rates: FaultRates;
  /** FIFO, no faults: the reference. */
  reference?: boolean;
  /** Cancel the run at this action, if it still runs. */
  cancelAt?: number;
  maxCrashes?: number;
  nonAtomic?: boolean;
  maxActions?: number;
  /** Generation 6: the root's slot and how to enter slots, where child runs' objects live. */
  slots?: { root: string; enter: Enter };
}

/** Rate limits no simulated tree reaches (child starts are admitted by the real limiter). */
const UNLIMITED = JSON.stringify({
  global: 1e9,
  none: 1e9,
  light: 1e9,
  heavy: 1e9,
  windowSeconds: 3600,
});

export interface CaseOutcome {
  record: RunRecord | null;
  violations: string[];
  /** What happened, one line per action: printed with a failing seed. */
  trace: string[];
  faults: Record<string, number>;
  actions: number;
  /** Jobs the runner executed, `node#attempt[#index#itemAttempt]`, and their outputs. */
  produced: Map<string, unknown>;
  /** Generation 6: the child runs' objects as the case ended. */
  family: FamilyMember[];
}

/** What the simulated runner answers for a job: its node's fate, read from its URL. */
function answer(job: ExecuteJob, now: number): NodeResult {
  const agent = job.step.type === "agent";
  const fate = agent
    ? (/fate=(\w+)/.exec(String(job.step.config.prompt))?.[1] ?? "ok")
    : (new URL(String(job.step.config.url)).searchParams.get("fate") ?? "ok");
  const tries = job.index === undefined ? job.attempt : (job.itemAttempt ?? 1);
  const failing =
    fate === "fatal" ||
    fate === "exhaust" ||
    (fate.startsWith("flaky") && tries <= Number(fate.slice(5)));
  const usage = {
    model: "sim-model",
    promptTokens: 60,
    completionTokens: 40,
    cachedTokens: 0,
    calls: 1,
    costUsd: null,
  };
  const base = {
    nodeId: job.nodeId,
    attempt: job.attempt,
    ...(job.index === undefined ? {} : { index: job.index, itemAttempt: job.itemAttempt ?? 1 }),
    startedAt: now,
    finishedAt: now,
    ...(agent ? { usage } : {}),
  };
  if (failing) {
    const retryable = fate !== "fatal";
    const code = retryable ? "http_503" : "http_404";
    return { ...base, outcome: { ok: false, error: { code, message: code, retryable } } };
  }
  const output = agent
    ? { text: `answer of ${job.nodeId}#${job.attempt}` }
    : { status: 200, body: { node: job.nodeId, attempt: job.attempt, index: job.index ?? null } };
  return {
    ...base,
    outcome: { ok: true, port: null, output, outputHash: addressOf(output).hash },
  };
}

function keyOf(r: { nodeId: string; attempt: number; index?: number; itemAttempt?: number }) {
  return r.index === undefined
    ? `${r.nodeId}#${r.attempt}`
    : `${r.nodeId}#${r.attempt}#${r.index}#${r.itemAttempt ?? 1}`;
}

type Action = { name: string; run: () => Promise<unknown> };

export async function runCase(options: CaseOptions): Promise<CaseOutcome> {
  const { workload, reference = false } = options;
  const rng = new Rng(options.seed ^ 0x5bd1e995);
  const rates = reference ? NO_FAULTS : options.rates;
  // From generation 3 the faulted run has a queue window of 2 jobs; its reference the default.
  const window = workload.generation >= 3 && !reference ? 2 : Number.POSITIVE_INFINITY;
  const env = Number.isFinite(window)
    ? { ...options.env, AOB_QUEUE_WINDOW: String(window) }
    : options.env;
  // Child runs' starts are admitted by the real rate limiter: here, without a limit that
  // thousands of seeds in one test file would reach.
  const world = new World(
    rng,
    options.runId,
    options.storage,
    options.slots ? { ...env, AOB_RATE_LIMITS: UNLIMITED } : env,
    {
      rates,
      maxCrashes: reference ? 0 : (options.maxCrashes ?? 3),
      nonAtomic: options.nonAtomic ?? false,
      ...(options.slots ? { slots: options.slots } : {}),
    },
  );
  const root = world.root;
  const trace: string[] = [];
  const violations: string[] = [];
  const produced = new Map<string, unknown>();
  /** Lease-covered deliveries lost per job: at most 2, so the third send arrives. */
  const lost = new Map<string, number>();
  const late: { runId: string; result: NodeResult }[] = [];
  const handed: ExecuteJob[] = [];
  const fault = (kind: string) => world.faults.add(kind);

  const checked = validateWorkflow(workload.definition);
  if (!checked.ok) {
    return {
      record: null,
      violations: [`workload does not validate: ${JSON.stringify(checked.errors[0])}`],
      trace,
      faults: world.faults.byKind,
      actions: 0,
      produced,
      family: [],
    };
  }
  const ir = compileWorkflow(checked.definition);

  const children = new ChildDriver(world, trace, reference, window);

  /** Runs an action on the current incarnation; a crash in it restarts the object. */
  const perform = async (name: string, act: () => Promise<unknown>) => {
    trace.push(`${world.clock - world.start}ms ${name}`);
    const engine = root.opened.engine;
    const crashed = root.crashSignal();
    const outcome = await Promise.race([
      act().then(
        () => "done" as const,
        (err: unknown) => (err instanceof SimCrash ? ("crash" as const) : err),
      ),
      crashed.then(() => "crash" as const),
    ]);
    if (outcome !== "done" && outcome !== "crash") {
      violations.push(`${name} threw: ${String(outcome)}`);
    }
    if (outcome !== "crash") {
      await Promise.race([engine.settled(), crashed]);
    }
    // As `SimObject.revive`, written out: the awaits a seed of generation 1-5 replays.
    while (root.dead()) {
      trace.push(`  ${root.lastCrash}; restart ${world.crashes}`);
      root.restart();
      const crashed = root.crashSignal();
      root.opened = openRun(root.host());
      const woke = root.opened.engine;
      await Promise.race([woke.wake().catch(() => undefined), crashed]);
    }
    // Generation 6: the child objects settle too, until no call between objects starts.
    if (world.options.slots) await children.settle();
    return outcome;
  };

  /** The runner: executes a job and reports it, maybe offering room for eager jobs. */
  const execute = async (job: ExecuteJob, delivery: "queue" | "eager") => {
    const result = { ...answer(job, world.clock), delivery };
    produced.set(
      children.keyOf(job.runId, keyOf(result)),
      result.outcome.ok ? result.outcome.output : undefined,
    );
    if (!reference && rng.chance(rates.lateResult)) {
      fault("late_result");
      late.push({ runId: job.runId, result });
      return;
    }
    const room = !reference && rng.chance(0.3) ? 1 + rng.int(3) : 0;
    const jobs = await children.complete(job.runId, [result], room);
    handed.push(...jobs);
  };

  const meta = { runId: options.runId, ...options.owner, version: 1, createdAt: world.clock };
  // As the API starts a run: its D1 row first, then the object.
  await insertStartedRun(options.env.DB, {
    id: meta.runId,
    tenantId: meta.tenantId,
    workflowId: meta.workflowId,
    version: meta.version,
    createdAt: meta.createdAt,
  });
  const create = () =>
    root.opened.engine.create({
      meta,
      definition: checked.definition,
      ir,
      input: workload.input,
      ...(checked.definition.budget ? { budget: checked.definition.budget } : {}),
    });
  await perform("create", create);
  // The API's create call failed with the object: its caller tries again (create is idempotent).
  for (let i = 0; i < 5 && !root.opened.engine.loaded; i++) await perform("create (again)", create);

  /**
   * A person patches the running graph: a transform after a random node, and sometimes an
   * edge from it to an end node that has not started. Refusals (409) are answers, not faults.
   */
  let patches = 0;
  /** Events sent per wait node (and taken, kept or found a duplicate). */
  const sends = new Map<string, number>();
  const patch = async (n: number) => {
    const loaded = root.opened.engine.loaded!;
    const ids = Object.keys(loaded.state.nodes).filter(
      (id) => loaded.ir.nodes[loaded.ir.byId[id]!]!.type !== "end",
    );
    const from = ids[rng.int(ids.length)]!;
    const id = `p${n}`;
    const ops: unknown[] = [
      {
        op: "add_node",
        node: { id, type: "transform", config: { expression: `input.a * ${n + 2}` } },
      },
      { op: "add_edge", edge: { from, to: id } },
    ];
    const ends = Object.entries(loaded.state.nodes).filter(
      ([e, st]) => st.status === "pending" && loaded.ir.nodes[loaded.ir.byId[e]!]!.type === "end",
    );
    if (ends.length > 0 && rng.chance(0.5)) {
      ops.push({ op: "add_edge", edge: { from: id, to: ends[rng.int(ends.length)]![0] } });
    }
    const outcome = await root.opened.engine.proposePatch(Patch.parse({ ops, reason: "sim" }), {
      kind: "person",
      by: "sim-person",
      keyId: "k_sim",
    });
    trace.push(`  ${outcome.ok ? `patch ${outcome.patch.status}` : `refused ${outcome.code}`}`);
    fault(outcome.ok ? `patch_${outcome.patch.status}` : "patch_refused");
  };

  const maxActions = options.maxActions ?? 1500;
  let actions = 0;
  for (; actions < maxActions; actions++) {
    const run = root.opened.engine.loaded;
    const state = run?.state;
    if (state) {
      for (const v of checkStep(root.opened, options.storage, window)) violations.push(v);
      if (world.options.slots) violations.push(...children.check());
      if (violations.length > 0) break;
    }
    const terminal = state && ["completed", "failed", "cancelled"].includes(state.status);
    const available: Action[] = [];
    if (world.queue.length > 0) {
      const index = reference ? 0 : rng.int(world.queue.length);
      available.push({
        name: "deliver",
        run: async () => {
          const message = world.queue[index]!;
          const job =
            message.body.type === "execute_ref"
              ? await readJob({ BLOBS: world.bucketOf() }, message.body)
              : message.body.type === "execute"
                ? message.body
                : null;
          if (!job) {
            world.queue.splice(index, 1);
            return;
          }
          const key = keyOf(job);
          if (!reference && (lost.get(key) ?? 0) < 2 && rng.chance(rates.deliveryLost)) {
            fault("delivery_lost");
            lost.set(key, (lost.get(key) ?? 0) + 1);
            world.queue.splice(index, 1);
            return;
          }
          const keep = !reference && rng.chance(rates.deliveryDuplicated);
          if (keep) fault("delivery_duplicated");
          else world.queue.splice(index, 1);
          await execute(job, "queue");
        },
      });
    }
    if (late.length > 0) {
      available.push({
        name: "late report",
        run: async () => {
          const { runId, result } = late.splice(reference ? 0 : rng.int(late.length), 1)[0]!;
          handed.push(...(await children.complete(runId, [result])));
        },
      });
    }
    if (handed.length > 0) {
      available.push({
        name: "eager job",
        run: () => execute(handed.shift()!, "eager"),
      });
    }
    if (root.inline.length > 0) {
      available.push({
        name: "inline fetch answers",
        run: async () => {
          const call = root.inline.splice(reference ? 0 : rng.int(root.inline.length), 1)[0]!;
          const url = new URL(String(call.config.url));
          if (url.searchParams.get("fate") === "fatal") {
            call.reject(
              Object.assign(new Error("http_404"), { code: "http_404", retryable: false }),
            );
          } else {
            call.resolve({ status: 200, body: { node: url.pathname.slice(1) } });
          }
        },
      });
    }
    const due = root.laters.filter((l) => l.at <= world.clock);
    if (due.length > 0) {
      available.push({
        name: "deferred work",
        run: async () => {
          const entry = due[0]!;
          root.laters.splice(root.laters.indexOf(entry), 1);
          entry.fn();
        },
      });
    }
    const waitingApprovals = run
      ? Object.entries(state!.nodes).filter(
          ([id, n]) =>
            n.status === "waiting" &&
            ((n.waitReason === "approval" && id in workload.decisions) ||
              n.waitReason === "budget"),
        )
      : [];
    if (waitingApprovals.length > 0) {
      const [nodeId] = waitingApprovals[reference ? 0 : rng.int(waitingApprovals.length)]!;
      available.push({
        name: `decide ${nodeId}`,
        run: async () => {
          // A budget hold is approved (the budget grows); an approval as the workload says.
          if (!(nodeId in workload.decisions)) fault("budget_hold_approved");
          const decided = await root.opened.engine.decide(nodeId, {
            by: "sim-person",
            voter: { userId: "usr_sim_person", email: null, roles: ["approver"] },
            decision: workload.decisions[nodeId] ?? "approve",
          });
          trace.push(`  ${decided.ok ? `ok ${decided.approval.status}` : decided.code}`);
          if (!decided.ok && decided.code !== "already_decided") {
            throw new Error(`decision refused: ${decided.code} ${decided.message}`);
          }
        },
      });
    }
    // Events for wait nodes, sent to the run by id: while the node waits, or (faulted runs) once
    // before it opens its wait, to be kept. Each send has its own idempotency key, so a send
    // whose answer a crash lost is sent again and taken once.
    const waitingEvents =
      run && !terminal
        ? Object.keys(workload.events).filter((id) => {
            const n = state!.nodes[id];
            if (n?.status === "waiting" && n.waitReason === "event") return true;
            return (
              !reference && (sends.get(id) ?? 0) === 0 && n?.status === "pending" && rng.chance(0.1)
            );
          })
        : [];
    if (waitingEvents.length > 0) {
      const nodeId = waitingEvents[reference ? 0 : rng.int(waitingEvents.length)]!;
      available.push({
        name: `send event to ${nodeId}`,
        run: async () => {
          const n = sends.get(nodeId) ?? 0;
          if (state!.nodes[nodeId]?.status === "pending") fault("event_early");
          const sent = await root.opened.engine.deliverEvent({
            ...workload.events[nodeId]!,
            by: "sim-sender",
            idempotencyKey: `${nodeId}#${n}`,
            keep: true,
          });
          trace.push(`  ${sent.ok ? sent.outcome : sent.code}`);
          if (!sent.ok) throw new Error(`event refused: ${sent.code} ${sent.message}`);
          sends.set(nodeId, n + 1);
        },
      });
    }
    const alarmAt = root.alarmAt;
    if (
      alarmAt !== null &&
      (alarmAt <= world.clock || (!reference && rng.chance(rates.alarmEarly)))
    ) {
      available.push({
        name: alarmAt <= world.clock ? "alarm" : "alarm (early)",
        run: async () => {
          if (alarmAt > world.clock) fault("alarm_early");
          root.alarmAt = null;
          try {
            await root.opened.engine.alarm();
          } catch (err) {
            // The platform retries a failed alarm.
            root.alarmAt ??= alarmAt;
            throw err;
          }
          if (!reference && rng.chance(rates.alarmTwice)) {
            fault("alarm_twice");
            await root.opened.engine.alarm();
          }
        },
      });
    }
    if (world.options.slots) available.push(...children.actions());
    const patching = workload.generation >= 2 && !reference && !terminal && patches < 3;
    if (patching && rng.chance(rates.patch)) {
      available.push({ name: "patch", run: () => patch(patches++) });
    }
    if (!reference && options.cancelAt === actions && !terminal) {
      available.splice(0, available.length, {
        name: "cancel",
        run: () => root.opened.engine.cancel("simulated cancel"),
      });
    }
    const next = world.nextDue();
    const idle = available.length === 0;
    if (next !== null && (idle || (!reference && rng.chance(rates.timeJump)))) {
      available.push({
        name: "time passes",
        run: async () => {
          if (!idle) fault("time_jump");
          world.clock = Math.max(world.clock, next) + (reference ? 0 : rng.int(3_000));
        },
      });
    }
    if (available.length === 0) {
      if (!terminal) {
        const active = Object.entries(state?.nodes ?? {})
          .filter(
            ([, n]) => n.status !== "succeeded" && n.status !== "skipped" && n.status !== "pending",
          )
          .map(([id, n]) => `${id} ${canonicalJson(n)}`);
        const log = recordOf(root.opened, options.storage)?.events.map(
          (e) => `${e.type}:${e.nodeId}`,
        );
        violations.push(
          `the run hangs: ${state?.status}, tokens ${state?.tokens}; ${active.join("; ")}; events ${log?.join(" ")}`,
        );
      }
      break;
    }
    if (!reference && rng.chance(rates.crash) && world.crashes < (options.maxCrashes ?? 3)) {
      // Generation 6: any live object may stop, not only the root.
      const victim = children.victim();
      const name = victim === root ? "crash (idle)" : `crash (idle) ${victim.label}`;
      await perform(name, async () => victim.crash("crash_idle"));
      continue;
    }
    const action = reference ? available[0]! : available[rng.int(available.length)]!;
    await perform(action.name, action.run);
  }
  if (actions >= maxActions) violations.push(`no end after ${maxActions} actions`);
  const record = recordOf(root.opened, options.storage);
  const family = world.options.slots ? await children.records() : [];
  if (world.options.slots && record && violations.length === 0) {
    violations.push(...(await children.endChecks(record, family)));
  }
  return { record, violations, trace, faults: world.faults.byKind, actions, produced, family };
}

/**
 * A run's end as compared across runs: status, node statuses and ports, outputs; without
 * times (`at`), which differ between two runs by design.
 */
export function endOf(record: RunRecord): string {
  const outputs = Object.fromEntries(
    Object.entries(record.outputs).map(([id, json]) => [
      id,
      json.startsWith("ref:")
        ? json
        : (JSON.parse(json, (k, v) =>
            // A vote's time differs between runs, also where a transform made text of it.
            k === "at" ? undefined : typeof v === "string" ? v.replace(/"at":\d+,?/g, "") : v,
          ) as unknown),
    ]),
  );
  return canonicalJson({ status: record.status, nodes: record.nodes, outputs });
}
