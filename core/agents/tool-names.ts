/** What a chat-completions function name may be (OpenAI's rule: 1-64 of these characters). */
export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX = 64;

/** FNV-1a, 32 bits, as 8 hex digits: a short, stable tag for a name too long to keep whole. */
function tag(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * The name the model calls an MCP tool by: `<server>__<tool>`, with characters a function name
 * may not hold turned into `_`. A name over 64 characters, or one another tool already took,
 * keeps its first 55 characters and ends with a tag of the server and the tool's own name, so
 * it is stable from one call to the next (prompt caching) and the same tool always gets it.
 * @example
 * mcpFunctionName("github", "search_issues", new Set()); // "github__search_issues"
 * mcpFunctionName("docs", "files/read.v2", new Set()); // "docs__files_read_v2"
 */
export function mcpFunctionName(server: string, tool: string, taken: ReadonlySet<string>): string {
  const plain = `${server}__${tool.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  if (plain.length <= MAX && !taken.has(plain)) return plain;
  const tagged = `${plain.slice(0, MAX - 9)}_${tag(`${server}\u0000${tool}`)}`;
  if (!taken.has(tagged)) return tagged;
  for (let n = 2; ; n++) {
    const numbered = `${tagged.slice(0, MAX - 1 - String(n).length)}_${n}`;
    if (!taken.has(numbered)) return numbered;
  }
}
