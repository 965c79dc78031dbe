/**
 * What the model reads back from an MCP tool call: the text of its content, one part a line.
 * Content that is not text (images, audio, binary resources) is named, not sent: the
 * chat-completions tool message takes text. `structuredContent` stands in when there is no
 * text. The result is untrusted; the caller bounds its length.
 * @example
 * mcpResultText({ content: [{ type: "text", text: "2 issues" }] }); // { text: "2 issues", isError: false }
 * mcpResultText({ content: [{ type: "image", mimeType: "image/png", data: "iVBO" }] });
 * // { text: "[image/png image, 4 characters of base64, not shown]", isError: false }
 */
export function mcpResultText(result: unknown): { text: string; isError: boolean } {
  const r = (typeof result === "object" && result !== null ? result : {}) as Record<
    string,
    unknown
  >;
  const content = Array.isArray(r.content) ? r.content : [];
  const parts = content.map(partText).filter((p) => p !== "");
  let text = parts.join("\n");
  if (text === "" && r.structuredContent !== undefined) text = JSON.stringify(r.structuredContent);
  if (text === "" && r.toolResult !== undefined) text = JSON.stringify(r.toolResult);
  return { text, isError: r.isError === true };
}

function partText(part: unknown): string {
  if (typeof part !== "object" || part === null) return "";
  const p = part as Record<string, unknown>;
  switch (p.type) {
    case "text":
      return typeof p.text === "string" ? p.text : "";
    case "image":
    case "audio":
      return `[${String(p.mimeType ?? "binary")} ${p.type}, ${String(p.data ?? "").length} characters of base64, not shown]`;
    case "resource_link":
      return `[resource ${String(p.uri ?? "")}${p.name ? ` (${String(p.name)})` : ""}]`;
    case "resource": {
      const res = (p.resource ?? {}) as Record<string, unknown>;
      if (typeof res.text === "string") return res.text;
      return `[resource ${String(res.uri ?? "")}, ${String(res.mimeType ?? "binary")}, not shown]`;
    }
    default:
      return `[${String(p.type ?? "unknown")} content, not shown]`;
  }
}
