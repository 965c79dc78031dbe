import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import type { Scope } from "../../core/people/roles";
import { schemaIssues } from "../../core/wire/schema-issues";
import type { ToolInputSchema } from "../../core/workflow/tool";
import { toolNames } from "../../core/workflow/tool-names";
import { listToolWorkflows } from "../../db/workflows";
import { ApiError } from "../api/errors";
import { startWorkflowRun } from "../api/services/start-run";
import type { AppEnv } from "../api/types";
import { issueView } from "../api/validation";
import { answer } from "./answers";
import { awaitRun, stillGoing } from "./run-answer";
import { runSummary } from "./run-summary";

/** Workflow tools one tenant's `tools/list` shows at most: the oldest exposed first. */
export const MAX_WORKFLOW_TOOLS = 100;

/** A workflow tool starts a run and answers its output: it needs both. */
export const WORKFLOW_TOOL_SCOPES: readonly Scope[] = ["run", "read"];

/** A workflow exposed as a tool (`exposeAsTool`, docs/MCP.md). */
export interface WorkflowTool {
  name: string;
  workflowId: string;
  workflowName: string;
  description: string | null;
  inputSchema: ToolInputSchema;
}

/**
 * The tenant's workflows exposed as tools, each with its collision-free name (`reserved`: the
 * server's own tools' names), from one D1 read of what each version stored when it was saved.
 */
export async function workflowTools(
  env: Pick<Env, "DB">,
  tenantId: string,
  reserved: ReadonlySet<string>,
): Promise<WorkflowTool[]> {
  const rows = await listToolWorkflows(env.DB, tenantId, MAX_WORKFLOW_TOOLS);
  const names = toolNames(rows, reserved);
  return rows.map((r) => ({
    name: names.get(r.id) ?? r.id,
    workflowId: r.id,
    workflowName: r.name,
    description: r.description,
    // Written by the API from a validated definition (core/workflow/tool.ts).
    inputSchema: JSON.parse(r.inputSchema) as ToolInputSchema,
  }));
}

/** The tool as `tools/list` shows it. */
export function listedWorkflowTool(tool: WorkflowTool): Tool {
  const what = tool.description?.trim() || `Runs the aob workflow "${tool.workflowName}".`;
  return {
    name: tool.name,
    title: tool.workflowName,
    description: `${what}\n\n(aob workflow ${tool.workflowId}: a call starts a run with the arguments as its input and answers the run's output; a run still going after the wait answers its runId, to ask get_run for its output.)`,
    inputSchema: tool.inputSchema,
    annotations: { readOnlyHint: false, openWorldHint: true },
  };
}

/**
 * Calls a workflow tool: the arguments are checked against the workflow's input schema (400
 * with each problem's path; nothing starts), the run starts as the request's key (admitted and
 * rate-limited like any start), and its output is answered if it ends within `waitSeconds`; a
 * run that failed is a tool error saying why; one still going answers its id and status.
 */
export async function callWorkflowTool(
  c: Context<AppEnv>,
  tool: WorkflowTool,
  args: Record<string, unknown>,
  waitSeconds: number,
): Promise<CallToolResult> {
  const issues = schemaIssues(tool.inputSchema, args);
  if (issues.length > 0) {
    throw new ApiError(
      400,
      "validation_failed",
      `the arguments do not match the input schema of workflow "${tool.workflowName}"`,
      {
        errors: issues.map((i) => issueView({ ...i, code: "invalid_input", severity: "error" })),
      },
    );
  }
  const started = await startWorkflowRun(c, { workflowId: tool.workflowId, input: args });
  if (started.status === "queued") {
    return answer({
      ...started,
      note: `the run waits behind the workflow's concurrency limit: call get_run with runId "${started.runId}" for its output`,
    });
  }
  const run = await awaitRun(c, started.runId, waitSeconds);
  const summary = runSummary(run);
  if (run.status === "completed") return answer(summary);
  if (run.status === "failed" || run.status === "cancelled") {
    const error = run.error ? `${run.error.code}: ${run.error.message}` : "no error recorded";
    const at = run.error?.nodeId ? ` at node "${run.error.nodeId}"` : "";
    return {
      isError: true,
      content: [
        { type: "text", text: `run ${run.id} ${run.status}${at}: ${error}` },
        { type: "text", text: JSON.stringify(summary, null, 2) },
      ],
      structuredContent: summary,
    };
  }
  return answer({ ...summary, note: stillGoing(run, waitSeconds) });
}
