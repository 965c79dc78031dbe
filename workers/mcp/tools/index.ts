import type { BuiltinTool } from "../tool";
import { decideApproval } from "./decide-approval";
import { getRun } from "./get-run";
import { listApprovals } from "./list-approvals";
import { listWorkflows } from "./list-workflows";
import { sendEvent } from "./send-event";
import { startRun } from "./start-run";

/** The MCP server's own tools, in the order `tools/list` shows them. */
export const BUILTIN_TOOLS: readonly BuiltinTool[] = [
  listWorkflows,
  startRun,
  getRun,
  listApprovals,
  decideApproval,
  sendEvent,
];

/** Their names, which no workflow's tool may take. */
export const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTIN_TOOLS.map((t) => t.name));
