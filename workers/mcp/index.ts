/** aob as an MCP server (docs/MCP.md): the `/mcp` endpoint the Worker routes to. */
export { MCP_PATH, mcp } from "./endpoint";
