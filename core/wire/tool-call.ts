import { z } from "zod";

/** Characters of a recorded call's arguments and result kept in its run event. */
export const RECORDED_CHARS = 4_000;

/**
 * One tool call of a running agent, as the runner reports it to its run (`agentToolCall`) and
 * the run records it: a `tool_called` event of the node. Arguments come from the model, the
 * result from the tool: both are untrusted and kept bounded ({@link boundedCall}); a custom
 * http tool's request is shown with secrets as references (`{{ secrets.NAME }}`).
 */
export const ToolCall = z.object({
  /** The model call (0-based) that asked for it. */
  turn: z.number().int().min(0),
  /** The function name the model called. */
  name: z.string().max(200),
  /** `mcp` or `http` (a custom tool); `refused`: not a tool this node offers, nothing called. */
  source: z.enum(["mcp", "http", "refused"]),
  /** MCP: the server, and the tool's own name there. */
  server: z.string().max(64).optional(),
  tool: z.string().max(200).optional(),
  /** The arguments, or `{ truncated, preview }` past {@link RECORDED_CHARS}. */
  arguments: z.unknown(),
  /** A custom http tool's request as sent, secrets as references. */
  request: z
    .object({
      method: z.string().max(10),
      url: z.string().max(RECORDED_CHARS + 1),
      headers: z.record(z.string(), z.string().max(RECORDED_CHARS + 1)).optional(),
    })
    .optional(),
  /** False when the tool answered an error (sent to the model as its result). */
  ok: z.boolean(),
  /** What the model read back, cut to {@link RECORDED_CHARS}. */
  result: z.string().max(RECORDED_CHARS + 1),
  ms: z.number().min(0),
});
export type ToolCall = z.infer<typeof ToolCall>;

/**
 * A call cut to what an event keeps: arguments whose JSON is over {@link RECORDED_CHARS} become
 * `{ truncated: true, preview }`, and the result keeps its first characters.
 * @example
 * boundedCall({ ...call, result: "x".repeat(10_000) }).result.length; // 4001 (with "…")
 */
export function boundedCall(call: ToolCall): ToolCall {
  const json = JSON.stringify(call.arguments ?? null);
  return {
    ...call,
    arguments:
      json.length > RECORDED_CHARS
        ? { truncated: true, preview: json.slice(0, RECORDED_CHARS) }
        : call.arguments,
    result: cut(call.result),
    ...(call.request
      ? {
          request: {
            ...call.request,
            url: cut(call.request.url),
            ...(call.request.headers
              ? {
                  headers: Object.fromEntries(
                    Object.entries(call.request.headers)
                      .slice(0, 50)
                      .map(([k, v]) => [k.slice(0, 200), cut(v)]),
                  ),
                }
              : {}),
          },
        }
      : {}),
  };
}

function cut(text: string): string {
  return text.length > RECORDED_CHARS ? `${text.slice(0, RECORDED_CHARS)}…` : text;
}
