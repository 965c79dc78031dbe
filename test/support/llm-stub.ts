import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * A stand-in for an OpenAI-compatible chat-completions API (the one stand-in the project
 * allows: no model can be reached here). It speaks the real wire protocol, streaming (SSE
 * chunks with content and tool-call deltas, a usage chunk when `stream_options.include_usage`)
 * and not, so the production `openai` SDK code path runs unchanged.
 *
 * Tests script it per model name: `POST /llm/script/<model>` with `{ steps: [...] }`; each
 * request for that model answers with the next step. `GET /llm/requests/<model>` returns the
 * request bodies it received (with the Authorization header), in order.
 */
export interface LlmStep {
  /** An HTTP error instead of a completion (e.g. 429), with optional headers (Retry-After). */
  status?: number;
  headers?: Record<string, string>;
  content?: string;
  toolCalls?: { name: string; arguments: unknown }[];
  usage?: { prompt: number; completion: number; cached?: number };
  /**
   * Holds the request this long before answering (a slow model); a client that gives up
   * meanwhile is recorded as `aborted: true` on its request, and nothing is sent.
   */
  holdMs?: number;
}

const scripts = new Map<string, LlmStep[]>();
const requests = new Map<string, unknown[]>();
let ids = 0;

export function handleLlm(
  req: IncomingMessage,
  res: ServerResponse,
  parts: string[],
  rawBody: string,
) {
  const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(value));
  };
  if (parts[0] === "llm" && parts[1] === "script" && req.method === "POST") {
    const name = decodeURIComponent(parts[2] ?? "");
    scripts.set(name, (JSON.parse(rawBody) as { steps: LlmStep[] }).steps);
    requests.set(name, []);
    return json(200, { ok: true });
  }
  if (parts[0] === "llm" && parts[1] === "requests") {
    return json(200, { requests: requests.get(decodeURIComponent(parts[2] ?? "")) ?? [] });
  }
  // /v1/chat/completions
  const body = JSON.parse(rawBody) as {
    model: string;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
  };
  const seen = requests.get(body.model) ?? [];
  const record: Record<string, unknown> = {
    ...body,
    authorization: req.headers.authorization ?? null,
    receivedAt: Date.now(),
  };
  seen.push(record);
  requests.set(body.model, seen);
  const step = scripts.get(body.model)?.shift();
  if (step?.holdMs) {
    const timer = setTimeout(() => answer(step), step.holdMs);
    res.on("close", () => {
      if (res.writableEnded) return;
      clearTimeout(timer);
      record.aborted = true;
    });
    return;
  }
  return answer(step);

  function answer(step: LlmStep | undefined) {
    if (!step) {
      return json(400, {
        error: {
          message: `the stub has no scripted answer left for model "${body.model}"`,
          type: "invalid_request_error",
        },
      });
    }
    if (step.status) {
      return json(
        step.status,
        { error: { message: `scripted ${step.status}`, type: "rate_limit" } },
        step.headers ?? {},
      );
    }
    const id = `chatcmpl-${++ids}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = {
      prompt_tokens: step.usage?.prompt ?? 0,
      completion_tokens: step.usage?.completion ?? 0,
      total_tokens: (step.usage?.prompt ?? 0) + (step.usage?.completion ?? 0),
      prompt_tokens_details: { cached_tokens: step.usage?.cached ?? 0 },
    };
    const toolCalls = (step.toolCalls ?? []).map((t, i) => ({
      id: `call_${ids}_${i}`,
      type: "function" as const,
      function: {
        name: t.name,
        arguments: typeof t.arguments === "string" ? t.arguments : JSON.stringify(t.arguments),
      },
    }));
    const finish = toolCalls.length > 0 ? "tool_calls" : "stop";
    if (!body.stream) {
      return json(200, {
        id,
        object: "chat.completion",
        created,
        model: body.model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: step.content ?? null,
              ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: finish,
            logprobs: null,
          },
        ],
        usage,
      });
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: body.model, choices, ...extra })}\n\n`,
      );
    chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
    const content = step.content ?? "";
    for (let i = 0; i < content.length; i += 4) {
      chunk([{ index: 0, delta: { content: content.slice(i, i + 4) }, finish_reason: null }]);
    }
    toolCalls.forEach((call, index) => {
      const args = call.function.arguments;
      const half = Math.ceil(args.length / 2);
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index,
                id: call.id,
                type: "function",
                function: { name: call.function.name, arguments: args.slice(0, half) },
              },
            ],
          },
          finish_reason: null,
        },
      ]);
      chunk([
        {
          index: 0,
          delta: { tool_calls: [{ index, function: { arguments: args.slice(half) } }] },
          finish_reason: null,
        },
      ]);
    });
    chunk([{ index: 0, delta: {}, finish_reason: finish }]);
    if (body.stream_options?.include_usage) chunk([], { usage });
    res.write("data: [DONE]\n\n");
    res.end();
  }
}
