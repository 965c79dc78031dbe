import { mcpHeaderProblems } from "../../../core/agents/mcp-server";

/**
 * The headers field of the MCP server form: one `name: value` per line, blank lines dropped.
 * Each line's problem is named before anything is sent (the rules the API applies: a
 * credential only as `{{ secrets.NAME }}`, no header the transport sets itself).
 * @example
 * parseHeadersText("authorization: Bearer {{ secrets.GH }}\\n\\nx-team: support")
 * // { ok: true, headers: { authorization: "Bearer {{ secrets.GH }}", "x-team": "support" } }
 */
export function parseHeadersText(
  text: string,
): { ok: true; headers: Record<string, string> } | { ok: false; problems: string[] } {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      problems.push(`line ${i + 1}: write "name: value"`);
      return;
    }
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  });
  for (const p of mcpHeaderProblems(headers)) problems.push(`${p.path[1]}: ${p.message}`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, headers };
}

/** Headers as the field shows them: one `name: value` a line. */
export function headersText(headers: Readonly<Record<string, string>>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
}

/** A list of tool names typed with commas or one a line. */
export function splitTools(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((t) => t.trim())
    .filter((t) => t !== "");
}
