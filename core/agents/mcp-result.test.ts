import { describe, expect, it } from "vitest";
import { mcpResultText } from "./mcp-result";

describe("mcpResultText", () => {
  it("joins the text parts and names the rest without sending it", () => {
    expect(
      mcpResultText({
        content: [
          { type: "text", text: "2 issues" },
          { type: "image", mimeType: "image/png", data: "iVBORw0K" },
          { type: "resource_link", uri: "file:///a.txt", name: "a" },
          { type: "resource", resource: { uri: "file:///b.txt", text: "b's text" } },
        ],
      }),
    ).toEqual({
      text: "2 issues\n[image/png image, 8 characters of base64, not shown]\n[resource file:///a.txt (a)]\nb's text",
      isError: false,
    });
  });

  it("says when the tool answered an error, and falls back to structured content", () => {
    expect(mcpResultText({ content: [{ type: "text", text: "no" }], isError: true })).toEqual({
      text: "no",
      isError: true,
    });
    expect(mcpResultText({ content: [], structuredContent: { n: 2 } }).text).toBe('{"n":2}');
    expect(mcpResultText(null)).toEqual({ text: "", isError: false });
  });
});
