/**
 * Node execution as the engine starts it: inline and wait work run in the object (pure
 * evaluations, inline fetches, map lists, delays, fused chains, approvals), whose outcomes come
 * back as signals; queued work becomes a job (`toJob`), its config rendered, agents' prompts
 * included, and map items in their own context.
 */

import type { IRNode, IRStep } from "../../core/compile/ir";
import { toNodeError } from "../../core/errors";
import type { RunContext } from "../../core/executors/context";
import { limitsOf, runInline } from "../../core/executors/inline";
import type { ExpressionLimits } from "../../core/expressions/limits";
import { renderTemplates } from "../../core/expressions/template";
import { kindOf } from "../../core/kinds/registry";
import { MAX_OUTPUT_BYTES, outputProblem } from "../../core/limits/output";
import { IdempotencyKeyMode, idempotencyKey } from "../../core/net/idempotency-key";
import type { Command } from "../../core/scheduler/commands";
import type { Outcome } from "../../core/scheduler/signals";
import { type SecretPlan, showSecretRefs, withholdSecretRefs } from "../../core/secrets/refs";
import type { ExecuteJob } from "../../core/wire/node-job";
import { sendJobs } from "../../platform/job-queue";
import { placeOutput } from "../../platform/output-refs";
import type { ChildAt } from "./child-runs";
import type { Loaded } from "./context";
import { executeFusedChain } from "./fused";
import type { InlineHttp, RunStorage } from "./host";
import type { RunOutputs } from "./outputs";
import type { Pending } from "./pending";
import type { SecretPlans } from "./secret-plans";
import type { RunStore } from "./store";

/** Resolved inputs kept per attempt for the run view; bigger ones are kept as their size. */
const MAX_INPUT_BYTES = 16 * 1024;

type ExecuteCommand = Extract<Command, { type: "execute" | "execute_item" }>;

/** What the engine lends this module. */
export interface ExecutionHost {
  storage: RunStorage;
  env: Env;
  now(): number;
  /** The inline http fetch (host.ts). */
  http: InlineHttp;
  store: RunStore;
  secrets: SecretPlans;
  outputs: RunOutputs;
  run(): Loaded;
  /** Queues a signal for the pump. */
  push(pending: Pending): void;
  /** Runs the pump unless it is running. */
  kick(): Promise<void>;
  /** What an agent dispatched now may spend, or null (budget-hold.ts). */
  budgetLeft(): { tokens?: number; costUsd?: number } | null;
  /** Renders an approval node's request and parks the node (decisions.ts). */
  openApproval(node: IRNode, attempt: number, context: RunContext): Promise<void>;
  /** Names and starts a subworkflow's child run and parks its node (child-runs.ts). */
  startChild(at: ChildAt, context: RunContext): Promise<void>;
  /** Opens a wait node's wait for an event, or takes one kept for it (event-waits.ts). */
  openWait(node: IRNode, attempt: number, context: RunContext): Promise<void>;
}

export class NodeExecution {
  constructor(private readonly host: ExecutionHost) {}

  /** Runs inline or wait work; its result comes back as a signal through the queue of signals. */
  async execute(command: ExecuteCommand): Promise<void> {
    const { storage, store } = this.host;
    const run = this.host.run();
    const node = run.ir.nodes[run.ir.byId[command.nodeId]!]!;
    const reply = (outcome: Outcome, output?: unknown) => {
      const pending = resultOf(command, outcome);
      if (output !== undefined) pending.output = output;
      this.host.push(pending);
    };
    /** A success whose output may be too large to carry: placed first (platform/output-refs.ts). */
    const succeed = async (port: string | null, output: unknown) => {
      if (command.type === "execute_item") {
        const problem = outputProblem(output);
        if (problem) reply({ ok: false, error: problem });
        else reply({ ok: true, port }, output);
        return;
      }
      const owner = { tenantId: run.meta.tenantId, runId: run.meta.runId };
      const placed = await placeOutput(this.host.env, owner, output);
      if ("problem" in placed) return reply({ ok: false, error: placed.problem });
      if ("output" in placed) return reply({ ok: true, port }, output);
      const pending = resultOf(command, { ok: true, port });
      pending.outputRef = placed.ref;
      this.host.push(pending);
    };
    const step = command.type === "execute" ? node : node.body!;
    const base = command.type === "execute" ? run.context : this.itemContext(node, command.index);
    const kind = kindOf(node.type);
    try {
      const context = await this.host.outputs.contextFor(run.ir, node, base);
      if (kindOf(step.type)?.execution === "io") {
        // Inline http: the DO fetches itself, without holding the pump; the lease covers a crash.
        // Once the fetch answers, what it does is tracked until its result is queued: the
        // engine is not settled (`answering`) while an answered fetch's result is on its way.
        const failed = (err: unknown) =>
          this.enqueueLater(reply, { ok: false, error: toNodeError(err) });
        void this.fetchInline(step, context, command).then(
          (output) => this.track(succeed(null, output).then(() => this.host.kick(), failed)),
          (err: unknown) => this.track(failed(err)),
        );
        return;
      }
      const fanOut = kind?.traits.fanOut;
      if (command.type === "execute" && fanOut) {
        const limits = limitsOf(node.expressionTimeoutMs);
        const items = await fanOut.items(node.id, node.config, context, limits);
        storage.transactionSync(() => store.saveMapList(node.id, command.attempt, items));
        this.host.push({
          signal: { type: "items", nodeId: node.id, attempt: command.attempt, count: items.length },
        });
        return;
      }
      const wait = kind?.traits.wait;
      if (command.type === "execute" && wait?.for === "person") {
        await this.host.openApproval(node, command.attempt, context);
        return;
      }
      if (command.type === "execute" && wait?.for === "event") {
        await this.host.openWait(node, command.attempt, context);
        return;
      }
      if (kindOf(step.type)?.traits.wait?.for === "child") {
        const item =
          command.type === "execute_item"
            ? { item: { index: command.index, attempt: command.itemAttempt } }
            : {};
        await this.host.startChild(
          { nodeId: node.id, attempt: command.attempt, ...item, step },
          context,
        );
        return;
      }
      if (command.type === "execute" && wait?.for === "timer") {
        const limits = limitsOf(node.expressionTimeoutMs);
        const until = await wait.until(node.id, node.config, context, this.host.now(), limits);
        this.host.push({
          signal: { type: "wait", nodeId: node.id, attempt: command.attempt, until },
        });
        return;
      }
      if (command.type === "execute" && node.fused) {
        const from = this.firedFrom(node);
        this.host.push(
          await executeFusedChain(run.ir, node, command.attempt, context, from, MAX_OUTPUT_BYTES),
        );
        return;
      }
      const result = await runInline(
        {
          id: node.id,
          type: step.type,
          config: step.config,
          firedFrom: this.firedFrom(node),
          expressionTimeoutMs: step.expressionTimeoutMs,
        },
        context,
      );
      await succeed(result.port, result.output);
    } catch (err) {
      reply({ ok: false, error: toNodeError(err) });
    }
  }

  /** Executes a command that reuse.ts deferred while it looked the node up. */
  async dispatch(command: Extract<Command, { type: "execute" }>): Promise<void> {
    if (command.mode === "queued") {
      const job = await this.toJob(command);
      try {
        if (job) await sendJobs(this.host.env, [job]);
      } catch (err) {
        // Not lost: the job's lease is stored, and the alarm sends it again (as the pump does).
        console.error(JSON.stringify({ at: "send", error: String(err), nodes: [job!.nodeId] }));
      }
    } else {
      await this.execute(command);
    }
    await this.host.kick();
  }

  /**
   * The job the runner executes for queued work. Its config is rendered here (and kept as the
   * attempt's input); a config that does not render fails the attempt for good, with no job.
   */
  async toJob(command: ExecuteCommand): Promise<ExecuteJob | null> {
    const run = this.host.run();
    const node = run.ir.nodes[run.ir.byId[command.nodeId]!]!;
    const step = command.type === "execute" ? node : node.body!;
    const base = command.type === "execute" ? run.context : this.itemContext(node, command.index);
    const limits = { timeoutMs: step.expressionTimeoutMs };
    try {
      const context = await this.host.outputs.contextFor(run.ir, node, base);
      let config: Record<string, unknown>;
      let plan: SecretPlan | undefined;
      let agentWritten = false;
      const model = kindOf(step.type)?.traits.model === true;
      if (model) {
        const tools = this.host.secrets.protectAgentTools(node.id, step.config);
        config = await agentConfig(tools.config, context, limits);
        plan = tools.plan;
        agentWritten = tools.agentWritten;
      } else {
        ({ config, plan } = await this.host.secrets.render(node.id, step, context));
      }
      if (command.type === "execute") {
        this.host.store.saveInput(
          node.id,
          command.attempt,
          showSecretRefs(config, plan),
          MAX_INPUT_BYTES,
        );
      }
      const job: ExecuteJob = {
        type: "execute",
        runId: run.meta.runId,
        tenantId: run.meta.tenantId,
        nodeId: node.id,
        attempt: command.attempt,
        step: { type: step.type, config },
        timeoutMs: command.timeoutMs,
      };
      if (plan && plan.fields.length > 0) job.secrets = plan;
      if (agentWritten) job.agentWritten = true;
      if (command.type === "execute_item") {
        job.index = command.index;
        job.itemAttempt = command.itemAttempt;
      }
      const key = this.idempotencyKeyOf(step, command);
      if (key) job.idempotencyKey = key;
      const left = model ? this.host.budgetLeft() : null;
      if (left) job.budget = left;
      return job;
    } catch (err) {
      const error = toNodeError(err);
      const outcome: Outcome = { ok: false, error: { ...error, retryable: false } };
      this.host.push(resultOf(command, outcome));
      return null;
    }
  }

  /** Answered inline fetches whose results are not queued yet. */
  readonly answering = new Set<Promise<void>>();

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.catch((err: unknown) => {
      console.error(JSON.stringify({ at: "inline", error: String(err) }));
    });
    this.answering.add(tracked);
    void tracked.finally(() => this.answering.delete(tracked));
    return tracked;
  }

  private async enqueueLater(
    reply: (outcome: Outcome, output?: unknown) => void,
    outcome: Outcome,
    output?: unknown,
  ): Promise<void> {
    reply(outcome, output);
    await this.host.kick();
  }

  private async fetchInline(step: IRStep, context: RunContext, command: ExecuteCommand) {
    const { nodeId } = command;
    const { config, plan } = await this.host.secrets.render(nodeId, step, context);
    if (command.type === "execute") {
      const shown = showSecretRefs(config, plan);
      this.host.store.saveInput(nodeId, command.attempt, shown, MAX_INPUT_BYTES);
    }
    const { tenantId, runId } = this.host.run().meta;
    const idempotencyKey = this.idempotencyKeyOf(step, command);
    return this.host.http({ tenantId, runId }, config, command.timeoutMs, { plan, idempotencyKey });
  }

  /**
   * The `Idempotency-Key` of an http execution: the same for every delivery of one attempt (a
   * lease re-send renders the job again), per the node's `idempotencyKey` setting.
   */
  private idempotencyKeyOf(step: IRStep, command: ExecuteCommand): string | null {
    if (step.type !== "http") return null;
    const run = this.host.run();
    const mode = IdempotencyKeyMode.safeParse(step.config.idempotencyKey);
    return idempotencyKey(mode.success ? mode.data : undefined, {
      runId: run.meta.runId,
      nodeId: command.nodeId,
      iteration: run.state.nodes[command.nodeId]?.iteration ?? 0,
      attempt: command.attempt,
      ...(command.type === "execute_item"
        ? { item: { index: command.index, attempt: command.itemAttempt } }
        : {}),
    });
  }

  private itemContext(node: IRNode, index: number): RunContext {
    const items = this.host.store.mapList(node.id);
    return { ...this.host.run().context, item: items[index] ?? null, index };
  }

  private firedFrom(node: IRNode): string[] {
    const run = this.host.run();
    return node.in.filter((i) => run.state.edges[i] === "fired").map((i) => run.ir.edges[i]!.from);
  }
}

/** The signal that reports an execution's outcome: a node result, or a map item's. */
function resultOf(command: ExecuteCommand, outcome: Outcome): Pending {
  return command.type === "execute"
    ? { signal: { type: "result", nodeId: command.nodeId, attempt: command.attempt, outcome } }
    : {
        signal: {
          type: "item_result",
          nodeId: command.nodeId,
          attempt: command.attempt,
          index: command.index,
          itemAttempt: command.itemAttempt,
          outcome,
        },
      };
}

/**
 * An agent's config as the runner gets it: only the task (`prompt`) is a template. The system
 * instructions and the output schema are sent as written, so the stable part of every call stays
 * byte-identical and provider-side prompt caching hits. Secrets never reach a model.
 */
async function agentConfig(
  config: Record<string, unknown>,
  context: RunContext,
  limits: ExpressionLimits,
): Promise<Record<string, unknown>> {
  const prompt = await renderTemplates(
    withholdSecretRefs(String(config.prompt ?? "")),
    context,
    limits,
  );
  return { ...config, prompt: typeof prompt === "string" ? prompt : JSON.stringify(prompt) };
}
