import { describe, expect, it } from "vitest";
import { HttpTool } from "../../core/kinds/agent-tools";
import { mcpUses, narrowTools, newTool, toggleServer } from "../../web/src/builder/agent-tools";
import { headersText, parseHeadersText, splitTools } from "../../web/src/mcp/server-form";

describe("the MCP server form", () => {
  it("reads headers one a line and shows them back the same way", () => {
    const text = "authorization: Bearer {{ secrets.GH }}\n\nx-team:  support ";
    const parsed = parseHeadersText(text);
    expect(parsed).toEqual({
      ok: true,
      headers: { authorization: "Bearer {{ secrets.GH }}", "x-team": "support" },
    });
    if (parsed.ok) expect(parseHeadersText(headersText(parsed.headers))).toEqual(parsed);
  });

  it("names each line that cannot be sent", () => {
    expect(parseHeadersText("no colon here\nauthorization: Bearer ghp_x")).toEqual({
      ok: false,
      problems: [
        'line 1: write "name: value"',
        expect.stringMatching(/^authorization: .*\{\{ secrets\.NAME \}\}/),
      ],
    });
  });

  it("splits tool lists on commas and lines", () => {
    expect(splitTools("search_issues, create_issue\nlist\n")).toEqual([
      "search_issues",
      "create_issue",
      "list",
    ]);
  });
});

describe("the agent inspector's tools", () => {
  it("turns servers on and off, and narrows their tools", () => {
    const on = toggleServer([], "github", true)!;
    expect(on).toEqual([{ server: "github" }]);
    expect(toggleServer(on, "github", true)).toEqual(on);
    expect(narrowTools(on, "github", "search_issues, ")).toEqual([
      { server: "github", tools: ["search_issues"] },
    ]);
    expect(narrowTools(on, "github", " ")).toEqual([{ server: "github" }]);
    expect(toggleServer(on, "github", false)).toBeUndefined();
    expect(mcpUses([{ server: "a" }, "junk", null])).toEqual([{ server: "a" }]);
  });

  it("adds a custom tool the agent kind accepts, under a free name", () => {
    const first = newTool([]);
    const second = newTool([first]);
    expect(second.name).not.toBe(first.name);
    expect(HttpTool.safeParse(first).success).toBe(true);
  });
});
