import { Validator } from "@cfworker/json-schema";
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
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
import { streamFetchFor } from "../../platform/fetch";
import { type AgentRun, Liveness, runGone, Toolbox } from "./agent-tools";

/** What an agent execution produced: its answer and what it cost, even when it failed. */
export interface AgentOutcome {
  output?: unknown;
  error?: unknown;
  usage: Usage & { model: string };
}

export type { AgentRun };

const DELTA_INTERVAL_MS = 100;
const SDK_RETRIES = 4;

/**
 * Runs an agent node: a chat-completions conversation through the `openai` SDK with the node's
 * tools (agent-tools/), until the model answers without calling a tool or `maxTurns` calls are
 * spent. Token deltas stream to the run's live clients. Usage is counted per call, cached
 * tokens included.
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
    const liveness = new Liveness(run, job);
    const ctx = { job, env, run, config, patchTool: { refused: 0 }, deadline };
    const toolbox = await Toolbox.open(ctx, liveness);
    try {
      const tools = toolbox.definitions;
      const deltas = new DeltaSender(run, job.nodeId, job.attempt);
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
        await liveness.check();
        const completion = await liveness.during(async (signal) => {
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
            { timeout: remaining, signal },
          );
          stream.on("content.delta", ({ delta }) => deltas.push(delta));
          return stream.finalChatCompletion();
        });
        await deltas.flush();
        const u = completion.usage;
        const call = {
          promptTokens: u?.prompt_tokens ?? 0,
          completionTokens: u?.completion_tokens ?? 0,
          cachedTokens: u?.prompt_tokens_details?.cached_tokens ?? 0,
        };
        usage = addUsage(usage, { ...call, calls: 1, costUsd: costOf(model, call, prices) });
        const message = completion.choices[0]?.message;
        if (!message)
          throw new NonRetryableError("agent_no_answer", "the model returned no choice");
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
          const { name, arguments: args } = toolCall.function;
          const content = await toolbox.call(turn, name, args);
          messages.push({ role: "tool", tool_call_id: toolCall.id, content });
        }
      }
    } finally {
      await toolbox.close();
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
