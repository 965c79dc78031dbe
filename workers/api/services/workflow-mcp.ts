import type { AgentConfig } from "../../../core/kinds/agent";
import { kindOf } from "../../../core/kinds/registry";
import type { WorkflowDefinition } from "../../../core/workflow/definition";
import type { ValidationIssue } from "../../../core/workflow/issues";
import { findMcpServers } from "../../../db/mcp-servers";
import { ApiError } from "../errors";
import { issueView } from "../validation";

/**
 * Refuses saving a definition whose agents name MCP servers the tenant has not registered, or
 * tools their server does not allow: 400 `validation_failed` with the path of each (like
 * `nodes[1].config.mcp[0].server`). Which tools a server lists is only known when an agent
 * connects; a tool it does not list is reported in the node's events then.
 */
export async function checkMcpServers(
  db: D1Database,
  tenantId: string,
  definition: WorkflowDefinition,
): Promise<void> {
  const uses = definition.nodes.flatMap((node, i) => {
    if (kindOf(node.type)?.traits.model !== true) return [];
    const mcp = (node.config as Partial<Pick<AgentConfig, "mcp">>).mcp ?? [];
    return mcp.map((use, j) => ({ use, path: ["nodes", i, "config", "mcp", j] }));
  });
  if (uses.length === 0) return;
  const names = [...new Set(uses.map((u) => u.use.server))];
  const servers = new Map(
    (await findMcpServers(db, tenantId, names)).map((s) => [s.name, s.allowedTools]),
  );
  const problems: ValidationIssue[] = uses.flatMap(({ use, path }): ValidationIssue[] => {
    if (!servers.has(use.server)) {
      return [
        {
          path: [...path, "server"],
          code: "unknown_mcp_server",
          message: `no MCP server "${use.server}" in this tenant (PUT /api/mcp-servers/${use.server} first)`,
          severity: "error",
        },
      ];
    }
    const allowed = servers.get(use.server);
    return (use.tools ?? []).flatMap((tool, k): ValidationIssue[] =>
      allowed && !allowed.includes(tool)
        ? [
            {
              path: [...path, "tools", k],
              code: "mcp_tool_not_allowed",
              message: `MCP server "${use.server}" does not allow tool "${tool}" (its allowedTools: ${allowed.join(", ") || "none"})`,
              severity: "error",
            },
          ]
        : [],
    );
  });
  if (problems.length > 0) {
    throw new ApiError(400, "validation_failed", `the workflow has ${problems.length} error(s)`, {
      errors: problems.map(issueView),
      warnings: [],
    });
  }
}
