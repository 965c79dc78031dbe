import type { AgentConfig } from "../../../core/kinds/agent";
import type { ExecuteJob } from "../../../core/wire/node-job";
import type { ToolCall } from "../../../core/wire/tool-call";
import type { RunRpc } from "../../../durable-objects/run/rpc";

/**
 * The RunObject methods an agent needs, from the object's contract. `materialised()` answers
 * null when the run does not exist (anymore).
 */
export type AgentRun = Pick<
  RunRpc,
  "materialised" | "proposePatch" | "agentDelta" | "attemptLive" | "agentToolCall"
>;

/** What every tool call of one agent execution shares. */
export interface ToolContext {
  job: ExecuteJob;
  env: Env;
  run: AgentRun;
  config: AgentConfig;
  patchTool: { refused: number };
  /** When the agent's time is up (epoch ms). */
  deadline: number;
}

export type { ToolCall };
