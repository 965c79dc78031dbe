import { Validator } from "@cfworker/json-schema";
import OpenAI from "openai";
import type {
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import { HttpRequestArgs, parsePatchArgs, refusal, toolDefinitions } from "../../core/agents";
import { BUDGET_EXHAUSTED, spentPast } from "../../core/agents/budget";
import { buildMessages } from "../../core/agents/prompt";
import {
  addUsage,
  costOf,
  parsePrices,
  totalTokens,
  type Usage,
  ZERO_USAGE,
} from "../../core/agents/usage";
import { NonRetryableError } from "../../core/errors";
import { AgentConfig } from "../../core/kinds/agent";
import { HttpFetchError } from "../../core/net";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { RunRpc } from "../../durable-objects/run/rpc";
import { fetchTextFor, streamFetchFor } from "../../platform/fetch";

/** What an agent execution produced: its answer and what it cost, even when it failed. */
export interface AgentOutcome {
  output?: unknown;
  error?: unknown;
  usage: Usage & { model: string };
}

/**
 * The RunObject methods an agent needs, from the object's contract. `materialised()` answers
 * null when the run does not exist (anymore).
 */
export type AgentRun = Pick<RunRpc, "materialised" | "proposePatch" | "agentDelta" | "attemptLive">;

/** How often a model request in flight asks its run whether it is still wanted. */
const LIVENESS_MS = 500;

/** The run no longer wants this attempt (cancelled, failed or ended): the agent stops. */
function cancelled(job: ExecuteJob): NonRetryableError {
  return new NonRetryableError(
    "cancelled",
    `run ${job.runId} no longer runs node ${job.nodeId} (attempt ${job.attempt}): the agent stopped`,
  );
}

/** The job's run has no state: nothing can accept this agent's answer, so another try cannot help. */
function runGone(runId: string): NonRetryableError {
  return new NonRetryableError(
    "run_not_found",
    `run ${runId} does not exist (deleted, or never created): the agent was not started`,
  );
}

const DELTA_INTERVAL_MS = 100;
const TOOL_BODY_CHARS = 16_000;
const SDK_RETRIES = 4;

/**
 * Runs an agent node: a chat-completions conversation through the `openai` SDK with the node's
 * tools, until the model answers without calling a tool or `maxTurns` calls are spent. Token
 * deltas stream to the run's live clients. Usage is counted per call, cached tokens included.
 */
export async function executeAgent(
  job: ExecuteJob,
  env: Env,
  run: AgentRun,
): Promise<AgentOutcome> {
  const config = AgentConfig.parse(job.step.config);
  const model = config.model ?? env.AOB_DEFAULT_MODEL;
  let usage: Usage = { ...ZERO_USAGE };
  const outcome = (rest: Omit<AgentOutcome, "usage">): AgentOutcome => ({
    ...rest,
    usage: { ...usage, model: model ?? "" },
  });
  try {
    if (!env.OPENAI_API_KEY) {
      throw new NonRetryableError(
        "agent_not_configured",
        "OPENAI_API_KEY is not set: put it in .dev.vars for local runs, or `wrangler secret put OPENAI_API_KEY` when deployed",
      );
    }
    if (!model) {
      throw new NonRetryableError(
        "agent_not_configured",
        "no model: set the node's config.model or AOB_DEFAULT_MODEL",
      );
    }
    const prices = parsePrices(env.AOB_MODEL_PRICES);
    const deadline = Date.now() + job.timeoutMs;
    const client = new OpenAI({
      apiKey: env.OPENAI_API_KEY,
      ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
      fetch: streamFetchFor(env),
      maxRetries: SDK_RETRIES,
      timeout: job.timeoutMs,
    });
    const current = await run.materialised();
    if (!current) throw runGone(job.runId);
    const { definition } = current;
    const messages: ChatCompletionMessageParam[] = buildMessages(job.nodeId, config, definition);
    const tools = toolDefinitions(config.tools) as ChatCompletionTool[];
    const deltas = new DeltaSender(run, job.nodeId, job.attempt);
    const patchTool = { refused: 0 };
    for (let turn = 0; turn < config.maxTurns; turn++) {
      // The run's budget, as it stood when this agent started, bounds its own spending.
      const over = job.budget ? spentPast(usage, job.budget) : null;
      if (over) {
        throw new NonRetryableError(
          BUDGET_EXHAUSTED,
          over === "tokens"
            ? `the run's budget ran out during this agent: it spent ${totalTokens(usage)} of the ${job.budget!.tokens} tokens left when it started`
            : `the run's budget ran out during this agent: it spent $${usage.costUsd} of the $${job.budget!.costUsd} left when it started`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw Object.assign(new Error(`no answer within ${job.timeoutMs} ms`), {
          code: "timeout",
          retryable: true,
        });
      // A cancelled run stops its agent before the next model call, and aborts one in flight.
      const live = () => run.attemptLive(job.nodeId, job.attempt);
      if (!(await live())) throw cancelled(job);
      const abort = new AbortController();
      const watch = setInterval(() => {
        live().then(
          (still) => {
            if (!still) abort.abort();
          },
          () => {},
        );
      }, LIVENESS_MS);
      const stream = client.chat.completions.stream(
        {
          model,
          messages,
          max_tokens: maxTokensFor(config.maxTokens, usage, job.budget),
          stream_options: { include_usage: true },
          ...(tools.length > 0 ? { tools } : {}),
          ...(config.temperature === undefined ? {} : { temperature: config.temperature }),
          ...(config.outputSchema
            ? {
                response_format: {
                  type: "json_schema" as const,
                  json_schema: { name: "output", schema: config.outputSchema },
                },
              }
            : {}),
        },
        { timeout: remaining, signal: abort.signal },
      );
      stream.on("content.delta", ({ delta }) => deltas.push(delta));
      let completion: Awaited<ReturnType<typeof stream.finalChatCompletion>>;
      try {
        completion = await stream.finalChatCompletion();
      } catch (err) {
        if (abort.signal.aborted) throw cancelled(job);
        throw err;
      } finally {
        clearInterval(watch);
      }
      await deltas.flush();
      const u = completion.usage;
      const call = {
        promptTokens: u?.prompt_tokens ?? 0,
        completionTokens: u?.completion_tokens ?? 0,
        cachedTokens: u?.prompt_tokens_details?.cached_tokens ?? 0,
      };
      usage = addUsage(usage, { ...call, calls: 1, costUsd: costOf(model, call, prices) });
      const message = completion.choices[0]?.message;
      if (!message) throw new NonRetryableError("agent_no_answer", "the model returned no choice");
      const calls = message.tool_calls ?? [];
      if (calls.length === 0) {
        const answer = finalAnswer(message.content ?? "", config.outputSchema);
        if (answer.ok) return outcome({ output: answer.value });
        messages.push({ role: "assistant", content: message.content ?? "" });
        messages.push({ role: "user", content: answer.problem });
        continue;
      }
      messages.push({ role: "assistant", content: message.content ?? null, tool_calls: calls });
      for (const toolCall of calls) {
        if (toolCall.type !== "function") continue;
        if (!(await live())) throw cancelled(job);
        const content = await runTool(toolCall.function.name, toolCall.function.arguments, {
          job,
          env,
          run,
          config,
          patchTool,
        });
        messages.push({ role: "tool", tool_call_id: toolCall.id, content });
      }
    }
    throw new NonRetryableError(
      "agent_turns_exhausted",
      `the model did not give a final answer within maxTurns (${config.maxTurns}) calls`,
    );
  } catch (err) {
    return outcome({ error: agentError(err) });
  }
}

/** Sends token deltas to live clients at most every 100 ms, in order. */
class DeltaSender {
  private buffer = "";
  private last = 0;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly run: AgentRun,
    private readonly nodeId: string,
    private readonly attempt: number,
  ) {}

  push(text: string): void {
    this.buffer += text;
    if (Date.now() - this.last >= DELTA_INTERVAL_MS) void this.flush();
  }

  flush(): Promise<void> {
    if (this.buffer === "") return this.sending;
    const text = this.buffer;
    this.buffer = "";
    this.last = Date.now();
    // Live deltas are best effort: a lost one never fails the node.
    this.sending = this.sending
      .then(() => this.run.agentDelta(this.nodeId, this.attempt, text))
      .catch(() => undefined);
    return this.sending;
  }
}

interface ToolContext {
  job: ExecuteJob;
  env: Env;
  run: AgentRun;
  config: AgentConfig;
  patchTool: { refused: number };
}

/** Runs one tool call; its result (or refusal) is the text the model reads next. */
async function runTool(name: string, args: string, ctx: ToolContext): Promise<string> {
  if (!(ctx.config.tools as string[]).includes(name)) {
    return JSON.stringify({ error: `tool "${name}" is not enabled for this node` });
  }
  switch (name) {
    case "get_workflow": {
      const current = await ctx.run.materialised();
      if (!current) throw runGone(ctx.job.runId);
      return JSON.stringify({ workflow: current.definition, statuses: current.statuses });
    }
    case "patch_workflow": {
      if (ctx.patchTool.refused >= ctx.config.maxPatchAttempts) {
        return JSON.stringify({
          status: "unavailable",
          message: `patch_workflow is closed for this step: ${ctx.patchTool.refused} patches were refused (maxPatchAttempts ${ctx.config.maxPatchAttempts})`,
        });
      }
      const parsed = parsePatchArgs(args);
      if (!parsed.ok) {
        ctx.patchTool.refused++;
        return parsed.message;
      }
      const result = await ctx.run.proposePatch(parsed.patch, {
        kind: "agent",
        nodeId: ctx.job.nodeId,
        attempt: ctx.job.attempt,
      });
      ctx.patchTool.refused += result.ok && result.patch.status === "applied" ? 0 : 1;
      if (!result.ok) return refusal([`${result.code}: ${result.message}`]);
      if (result.patch.status === "applied") {
        return JSON.stringify({ status: "applied", patchId: result.patch.id });
      }
      return refusal((result.patch.problems ?? []).map((p) => `${p.at}: ${p.message}`));
    }
    case "http_request":
      return httpTool(args, ctx);
    default:
      return JSON.stringify({ error: `unknown tool "${name}"` });
  }
}

async function httpTool(args: string, ctx: ToolContext): Promise<string> {
  let parsed: ReturnType<typeof HttpRequestArgs.safeParse>;
  try {
    parsed = HttpRequestArgs.safeParse(JSON.parse(args));
  } catch {
    return JSON.stringify({ error: "arguments are not JSON" });
  }
  if (!parsed.success) {
    return JSON.stringify({
      error: "invalid arguments",
      problems: parsed.error.issues.map(
        (i) => `${i.path.join(".") || "(arguments)"}: ${i.message}`,
      ),
    });
  }
  const { method, url, headers, body } = parsed.data;
  try {
    const res = await fetchTextFor(ctx.env)(url, {
      method,
      headers: headers ?? {},
      ...(body === undefined
        ? {}
        : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      timeoutMs: 30_000,
      maxResponseBytes: 1024 * 1024,
    });
    // Without a blob sink the body is always text.
    const raw = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: the text
    }
    const text = JSON.stringify({ status: res.status, body: value });
    return text.length > TOOL_BODY_CHARS ? `${text.slice(0, TOOL_BODY_CHARS)}… (truncated)` : text;
  } catch (err) {
    const e =
      err instanceof HttpFetchError ? err.toJSON() : { code: "error", message: String(err) };
    return JSON.stringify({ error: e });
  }
}

/** The final answer: text, or JSON that must satisfy the node's outputSchema. */
function finalAnswer(
  content: string,
  schema: Record<string, unknown> | undefined,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (!schema) return { ok: true, value: content };
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return {
      ok: false,
      problem: "Your answer must be JSON matching the output schema. Reply with the JSON only.",
    };
  }
  const result = new Validator(schema as never, "2020-12", false).validate(value);
  if (result.valid) return { ok: true, value };
  const problems = result.errors.map((e) => `${e.instanceLocation}: ${e.error}`).slice(0, 10);
  return {
    ok: false,
    problem: `Your answer does not match the output schema: ${problems.join("; ")}. Reply with corrected JSON only.`,
  };
}

/** Maps SDK and guard errors to node errors: auth and bad requests are final; the rest retryable. */
function agentError(err: unknown): unknown {
  if (err instanceof NonRetryableError || err instanceof HttpFetchError) return err;
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof HttpFetchError) return cause;
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return Object.assign(new Error(`the model API did not answer in time: ${err.message}`), {
      code: "timeout",
      retryable: true,
    });
  }
  if (err instanceof OpenAI.APIError) {
    const status = err.status ?? 0;
    const retryable =
      status === 0 || status === 408 || status === 409 || status === 429 || status >= 500;
    return Object.assign(
      new Error(
        `the model API answered ${status || "nothing"}${retryable ? ` after ${SDK_RETRIES} retries` : ""}: ${err.message}`,
      ),
      {
        code: status === 401 || status === 403 ? "agent_auth_failed" : "agent_api_error",
        retryable,
      },
    );
  }
  return err;
}

/** A call may not be asked for more completion tokens than the run has left for this agent. */
function maxTokensFor(maxTokens: number, used: Usage, left: ExecuteJob["budget"]): number {
  if (left?.tokens === undefined) return maxTokens;
  return Math.max(1, Math.min(maxTokens, left.tokens - totalTokens(used)));
}
