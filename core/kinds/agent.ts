import { z } from "zod";
import { HttpTools, McpUses } from "./agent-tools";
import { CacheConfig } from "./cache";
import { COST_MS } from "./cost";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";

/** Tools an agent may be given. Every outbound request of `http_request` goes through the SSRF guard. */
export const AGENT_TOOLS = ["http_request", "get_workflow", "patch_workflow"] as const;
export type AgentTool = (typeof AGENT_TOOLS)[number];

export const AgentConfig = z.strictObject({
  /** The task; may contain `{{ templates }}` over the run context. Sent last, after the stable part. */
  prompt: z.string().min(1).max(50_000),
  /**
   * Extra instructions appended to the platform's system message. Sent as written (no
   * templates), so the stable prefix stays identical across runs and provider caching hits.
   */
  system: z.string().max(20_000).optional(),
  /** Model name; `AOB_DEFAULT_MODEL` when absent. */
  model: z.string().min(1).max(200).optional(),
  tools: z.array(z.enum(AGENT_TOOLS)).max(AGENT_TOOLS.length).default([]),
  /**
   * Tools of the tenant's MCP servers (docs/AGENTS.md): each server by name, and optionally
   * which of its allowed tools. Offered to the model as `<server>__<tool>`.
   */
  mcp: McpUses.default([]),
  /**
   * Custom http tools: a name, a description, a JSON Schema of the arguments and a request
   * template rendered with the model's arguments (`{{ args.x }}`) and secrets.
   */
  httpTools: HttpTools.default([]),
  /** JSON Schema the final answer must satisfy (sent as a structured-output response format). */
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  temperature: z.number().min(0).max(2).optional(),
  /** Completion tokens per model call. */
  maxTokens: z.number().int().min(1).max(200_000).default(1024),
  /** Model calls per execution (each tool round is one). */
  maxTurns: z.number().int().min(1).max(50).default(8),
  /** Refused patches (any validation layer) before the tool stops accepting patches. */
  maxPatchAttempts: z.number().int().min(1).max(10).default(3),
  /**
   * Semantic cache (docs/OPTIMISER.md): with `temperature: 0`, no built-in tool but
   * `get_workflow` and no custom or MCP tool with effects, a later run with the same rendered
   * prompt, config and model reuses the answer. `true` keeps it an hour.
   */
  cache: z.union([z.literal(true), CacheConfig]).optional(),
  /** Agents always run on the queue (their calls take seconds); fixed, for the compiler. */
  mode: z.literal("queued").default("queued"),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** TTL of an agent whose config says `cache: true`. */
export const DEFAULT_AGENT_CACHE_TTL_SECONDS = 3600;

export const agent = defineKind({
  type: "agent",
  title: "Agent",
  description:
    "Calls an OpenAI-compatible chat model with tools (http_request, get_workflow, patch_workflow, the tenant's MCP servers' tools, custom http tools); its output is the final answer (parsed JSON with an outputSchema), with token usage and cost.",
  status: "active",
  execution: "io",
  config: AgentConfig,
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 300_000 },
  traits: {
    model: true,
    patchesGraph: true,
    // A built-in tool that patches the graph or fetches any URL, or a tool marked as having
    // effects, makes the answer more than a function of the prompt: such agents always run.
    // Which MCP tools have effects is the servers' registration, read when the run looks the
    // answer up (`unlessMcpEffects`).
    cache: (c) =>
      c.temperature === 0 &&
      c.tools.every((t) => t === "get_workflow") &&
      c.httpTools.every((t) => !t.effects) &&
      c.cache
        ? {
            ttlSeconds: c.cache === true ? DEFAULT_AGENT_CACHE_TTL_SECONDS : c.cache.ttlSeconds,
            inputs: "config",
            keyedBy: "prompt, model and config",
            ...(c.mcp.length > 0 ? { unlessMcpEffects: c.mcp } : {}),
          }
        : null,
    costMs: () => COST_MS.agent,
  },
});
