import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { Context } from "hono";
import { allows, type Scope } from "../../core/people/roles";
import { ApiError } from "../api/errors";
import { checkScope } from "../api/scopes";
import type { AppEnv } from "../api/types";
import { refuseOverLimits, zodIssueViews } from "../api/validation";
import { failure } from "./answers";
import { listed } from "./tool";
import { BUILTIN_NAMES, BUILTIN_TOOLS } from "./tools";
import { DEFAULT_WAIT_SECONDS, WAIT_META, WaitSeconds } from "./wait";
import {
  callWorkflowTool,
  listedWorkflowTool,
  WORKFLOW_TOOL_SCOPES,
  workflowTools,
} from "./workflow-tools";

const INSTRUCTIONS =
  "aob runs workflows (HTTP calls, transforms, agents, human approvals) durably. list_workflows and start_run start any workflow; get_run reads a run (and can wait for its end); list_approvals and decide_approval answer the approvals runs wait for; send_event completes runs' waits. Workflows offered as tools of their own start a run and answer its output.";

/** Whether the request's scopes (its key's, narrowed to its user's roles) allow all of these. */
function allowsAll(c: Context<AppEnv>, scopes: readonly Scope[]): boolean {
  return scopes.every((s) => allows(c.get("scopes"), s));
}

/** The tools this request may call: the others are not listed (and refused if called). */
async function toolsFor(c: Context<AppEnv>): Promise<Tool[]> {
  const own = BUILTIN_TOOLS.filter((t) => allowsAll(c, t.scopes)).map(listed);
  if (!allowsAll(c, WORKFLOW_TOOL_SCOPES)) return own;
  const workflows = await workflowTools(c.env, c.get("tenantId"), BUILTIN_NAMES);
  return [...own, ...workflows.map(listedWorkflowTool)];
}

/** A workflow tool's wait: `_meta["aob/waitSeconds"]`, else the default. */
function waitOf(meta: CallToolRequest["params"]["_meta"]): number {
  const raw = meta?.[WAIT_META];
  if (raw === undefined) return DEFAULT_WAIT_SECONDS;
  const parsed = WaitSeconds.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ApiError(400, "validation_failed", `_meta["${WAIT_META}"] is invalid`, {
    errors: zodIssueViews(parsed.error).map((i) => ({
      ...i,
      path: ["_meta", WAIT_META, ...i.path],
      at: `_meta["${WAIT_META}"]`,
    })),
  });
}

/**
 * One call, as the request's key: its arguments meet the API's JSON limits, then the tool's
 * scopes, then its own checks. Every refusal and failure is a tool result with `isError`, so the
 * model reads why; an unknown tool is a protocol error (MCP's rule).
 */
async function callTool(
  c: Context<AppEnv>,
  { name, arguments: args = {}, _meta }: CallToolRequest["params"],
): Promise<CallToolResult> {
  const builtin = BUILTIN_TOOLS.find((t) => t.name === name);
  try {
    refuseOverLimits(args);
    if (builtin) {
      for (const scope of builtin.scopes) checkScope(c, scope);
      const parsed = builtin.args.safeParse(args);
      if (!parsed.success) {
        throw new ApiError(400, "validation_failed", `the arguments of ${name} are invalid`, {
          errors: zodIssueViews(parsed.error, "invalid_arguments"),
        });
      }
      return await builtin.call(c, parsed.data);
    }
    // Before looking it up: a key that may not call workflow tools learns nothing of them.
    for (const scope of WORKFLOW_TOOL_SCOPES) checkScope(c, scope);
    const workflows = await workflowTools(c.env, c.get("tenantId"), BUILTIN_NAMES);
    const tool = workflows.find((t) => t.name === name);
    if (!tool) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `no tool "${name}": tools/list names the tools this key may call`,
      );
    }
    return await callWorkflowTool(c, tool, args, waitOf(_meta));
  } catch (err) {
    if (err instanceof McpError) throw err;
    return failure(err, name);
  }
}

/**
 * aob's MCP server for one request (stateless: a new one per request, docs/MCP.md), acting as
 * the request's key through the API's services.
 */
export function mcpServer(c: Context<AppEnv>): Server {
  const server = new Server(
    { name: "aob", title: "aob", version: c.env.AOB_VERSION },
    {
      capabilities: { tools: { listChanged: false } },
      instructions: INSTRUCTIONS,
      // No code generation in workerd: the SDK's default validator (Ajv) compiles to functions.
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await toolsFor(c) }));
  server.setRequestHandler(CallToolRequestSchema, (request) => callTool(c, request.params));
  return server;
}
