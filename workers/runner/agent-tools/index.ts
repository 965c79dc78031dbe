/**
 * An agent's tools (docs/AGENTS.md): the built-in ones, the node's custom http tools and its
 * MCP servers' tools, offered under one table (`Toolbox`), each call bounded by the agent's time
 * and aborted when its run no longer wants it (`Liveness`).
 */

export { runGone } from "./builtin";
export type { AgentRun, ToolContext } from "./context";
export { Liveness } from "./liveness";
export { Toolbox } from "./toolbox";
