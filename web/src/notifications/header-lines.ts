/**
 * The telemetry form's headers, one `name: value` a line, as the API takes them; a line without
 * a name and a colon is reported by its number.
 * @example
 * headerLines("x-api-key: {{ secrets.OTEL_KEY }}\n"); // { headers: { "x-api-key": "{{ secrets.OTEL_KEY }}" }, problems: [] }
 * headerLines("oops"); // { headers: {}, problems: ["line 1: write it as name: value"] }
 */
export function headerLines(text: string): { headers: Record<string, string>; problems: string[] } {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const at = line.indexOf(":");
    const name = at > 0 ? line.slice(0, at).trim() : "";
    if (name === "") {
      problems.push(`line ${i + 1}: write it as name: value`);
      return;
    }
    headers[name] = line.slice(at + 1).trim();
  });
  return { headers, problems };
}
