import type { ChatCompletionTool } from "openai/resources/chat/completions";
import { mcpResultText } from "../../../core/agents/mcp-result";
import { type McpListing, offerTools, type ToolRoute } from "../../../core/agents/offer";
import { argumentsShown, parseToolArgs } from "../../../core/agents/tool-args";
import { NonRetryableError, toNodeError } from "../../../core/errors";
import { boundedCall, type ToolCall } from "../../../core/wire/tool-call";
import { findMcpServers } from "../../../db/mcp-servers";
import { type McpSession, openMcp } from "../../../platform/mcp/client";
import { bounded, runBuiltin } from "./builtin";
import type { ToolContext } from "./context";
import { type Answered, callHttpTool } from "./http-tool";
import type { Liveness } from "./liveness";

/** The longest one MCP or custom tool call may take (within the agent's own time). */
const MAX_CALL_MS = 120_000;
/** The longest connecting to the MCP servers and listing their tools may take. */
const MAX_CONNECT_MS = 30_000;

/**
 * The tools of one agent execution: the built-in ones the node enables, its custom http tools
 * and its MCP servers' allowed tools, listed once per attempt. Every call but a built-in one is
 * recorded as a `tool_called` event of the node; a call to a name the node does not offer is
 * refused back to the model, and so is every tool error: a tool never fails the node.
 */
export class Toolbox {
  private constructor(
    private readonly ctx: ToolContext,
    private readonly liveness: Liveness,
    private readonly routes: ReadonlyMap<string, ToolRoute>,
    private readonly sessions: ReadonlyMap<string, McpSession>,
    /** What the model is offered, in a fixed order (prompt caching). */
    readonly definitions: ChatCompletionTool[],
  ) {}

  /**
   * Connects to the node's MCP servers (all at once) and lists their tools. A server the tenant
   * does not have, one the SSRF guard refuses, or one that does not answer fails the node: the
   * agent cannot do what its node says without it.
   */
  static async open(ctx: ToolContext, liveness: Liveness): Promise<Toolbox> {
    const { config, job, env } = ctx;
    const sessions = new Map<string, McpSession>();
    const listings: McpListing[] = [];
    if (config.mcp.length > 0) {
      // A cancelled attempt connects to nothing.
      await liveness.check();
      const names = config.mcp.map((u) => u.server);
      const rows = new Map(
        (await findMcpServers(env.DB, job.tenantId, names)).map((r) => [r.name, r]),
      );
      const missing = names.find((n) => !rows.has(n));
      if (missing) {
        throw new NonRetryableError(
          "mcp_server_not_found",
          `no MCP server "${missing}" in this tenant (PUT /api/mcp-servers/${missing}): the agent was not started`,
        );
      }
      const timeoutMs = Math.min(MAX_CONNECT_MS, Math.max(1, ctx.deadline - Date.now()));
      try {
        await liveness.during(async (signal) => {
          const opened = await Promise.allSettled(
            config.mcp.map((use) =>
              openMcp(env, rows.get(use.server)!, {
                tenantId: job.tenantId,
                mayUseSecrets: job.agentWritten !== true,
                timeoutMs,
                signal,
              }),
            ),
          );
          for (const r of opened) {
            if (r.status === "fulfilled") sessions.set(r.value.server, r.value);
          }
          const failed = opened.find((r) => r.status === "rejected");
          if (failed) throw failed.reason;
        });
      } catch (err) {
        await Promise.all([...sessions.values()].map((s) => s.close()));
        throw err;
      }
      for (const use of config.mcp) {
        const row = rows.get(use.server)!;
        listings.push({
          use,
          allowedTools: row.allowedTools,
          tools: sessions.get(use.server)!.tools,
        });
      }
    }
    const offer = offerTools(config, listings);
    if (offer.withheld.length > 0) {
      console.log(
        JSON.stringify({
          at: "agent-tools",
          run: job.runId,
          node: job.nodeId,
          withheld: offer.withheld,
        }),
      );
    }
    return new Toolbox(
      ctx,
      liveness,
      offer.routes,
      sessions,
      offer.definitions as ChatCompletionTool[],
    );
  }

  /** Runs one call the model asked for; the text it reads back. Throws only `cancelled` and run faults. */
  async call(turn: number, name: string, args: string): Promise<string> {
    await this.liveness.check();
    const route = this.routes.get(name);
    if (route?.source === "builtin") {
      return this.liveness.during((signal) => runBuiltin(route.tool, args, this.ctx, signal));
    }
    const started = Date.now();
    const timeoutMs = Math.min(MAX_CALL_MS, this.ctx.deadline - started);
    if (timeoutMs <= 0) {
      throw Object.assign(new Error(`no answer within ${this.ctx.job.timeoutMs} ms`), {
        code: "timeout",
        retryable: true,
      });
    }
    let answered: Answered;
    let where: Pick<ToolCall, "source" | "server" | "tool">;
    if (!route) {
      const content = JSON.stringify({
        error: `tool "${name.slice(0, 200)}" is not offered to this node; call one of: ${[...this.routes.keys()].join(", ")}`,
      });
      answered = {
        content,
        record: { ok: false, result: content, arguments: argumentsShown(args) },
      };
      where = { source: "refused" };
    } else if (route.source === "http") {
      where = { source: "http", tool: this.ctx.config.httpTools[route.index]!.name };
      answered = await this.liveness.during((signal) =>
        callHttpTool(this.ctx, route.index, args, { timeoutMs, signal }),
      );
    } else {
      where = { source: "mcp", server: route.server, tool: route.tool };
      answered = await this.liveness.during((signal) =>
        this.callMcp(route, args, { timeoutMs, signal }),
      );
    }
    const record: ToolCall = boundedCall({
      turn,
      name: name.slice(0, 200),
      ...where,
      ...answered.record,
      ms: Date.now() - started,
    });
    // The record is for people reading the run: a lost one never fails the node.
    await this.ctx.run
      .agentToolCall(this.ctx.job.nodeId, this.ctx.job.attempt, record)
      .catch(() => undefined);
    return answered.content;
  }

  /** Ends every MCP connection (a call in flight is aborted). */
  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }

  private async callMcp(
    route: Extract<ToolRoute, { source: "mcp" }>,
    argsText: string,
    within: { timeoutMs: number; signal: AbortSignal },
  ): Promise<Answered> {
    const parsed = parseToolArgs(argsText);
    if (!parsed.ok) {
      const content = JSON.stringify(parsed.error);
      return {
        content,
        record: { ok: false, result: content, arguments: argumentsShown(argsText) },
      };
    }
    try {
      const result = await this.sessions.get(route.server)!.call(route.tool, parsed.args, within);
      const { text, isError } = mcpResultText(result);
      const content = bounded(isError ? JSON.stringify({ error: text }) : text);
      return { content, record: { ok: !isError, result: content, arguments: parsed.args } };
    } catch (err) {
      const { code, message } = toNodeError(err);
      const content = JSON.stringify({ error: { code, message } });
      return { content, record: { ok: false, result: content, arguments: parsed.args } };
    }
  }
}
