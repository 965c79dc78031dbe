import type { McpUse } from "../../core/kinds/agent-tools";
import { findMcpServers } from "../../db/mcp-servers";

/**
 * Whether an agent using these MCP servers may call a tool registered as having effects (or
 * names a server the tenant does not have: the careful answer). The run asks before it looks
 * a cached answer up for such an agent: a reused answer would skip the effect.
 * @example
 * await mcpEffectsPossible(env.DB, "t_a", [{ server: "github", tools: ["search_issues"] }]); // false
 */
export async function mcpEffectsPossible(
  db: D1Database,
  tenantId: string,
  uses: readonly McpUse[],
): Promise<boolean> {
  const servers = new Map(
    (await findMcpServers(db, tenantId, [...new Set(uses.map((u) => u.server))])).map((s) => [
      s.name,
      s,
    ]),
  );
  return uses.some((use) => {
    const server = servers.get(use.server);
    if (!server) return true;
    const callable = use.tools ?? server.allowedTools;
    if (callable === null) return server.effects.length > 0;
    return callable.some(
      (t) => server.effects.includes(t) && (server.allowedTools?.includes(t) ?? true),
    );
  });
}
