import { describe, expect, it } from "vitest";
import { HttpTool } from "../kinds/agent-tools";
import { MAX_MCP_TOOLS, type McpListing, offerTools } from "./offer";
import { FUNCTION_NAME, mcpFunctionName } from "./tool-names";

const object = { type: "object", properties: {} };
const listed = (...names: string[]) => names.map((name) => ({ name, inputSchema: object }));
const names = (offer: ReturnType<typeof offerTools>) =>
  offer.definitions.map((d) => d.function.name);
const lookup = HttpTool.parse({
  name: "lookup",
  description: "Looks a ticket up",
  request: { url: "https://api.example.com/tickets/{{ args.id }}" },
});

describe("offerTools", () => {
  it("offers built-in, then custom, then each server's tools by name, and routes each name", () => {
    const offer = offerTools({ tools: ["http_request", "get_workflow"], httpTools: [lookup] }, [
      { use: { server: "gh" }, allowedTools: null, tools: listed("search", "create") },
    ]);
    expect(names(offer)).toEqual([
      "get_workflow",
      "http_request",
      "lookup",
      "gh__create",
      "gh__search",
    ]);
    expect(offer.routes.get("lookup")).toEqual({ source: "http", index: 0 });
    expect(offer.routes.get("gh__search")).toEqual({ source: "mcp", server: "gh", tool: "search" });
    expect(offer.routes.get("gh__delete")).toBeUndefined();
  });

  it("offers only what the registration allows and the node names", () => {
    const listing: McpListing = {
      use: { server: "gh", tools: ["search", "absent"] },
      allowedTools: ["search", "create"],
      tools: listed("search", "create", "delete"),
    };
    const offer = offerTools({ tools: [], httpTools: [] }, [listing]);
    expect(names(offer)).toEqual(["gh__search"]);
    expect(offer.withheld).toEqual([
      { server: "gh", tool: "absent", reason: "the server does not list it" },
    ]);
  });

  it("withholds tools whose schema is not an object or is too large, and past the limit", () => {
    const big = { type: "object", description: "x".repeat(20_000) };
    const many = Array.from(
      { length: MAX_MCP_TOOLS + 1 },
      (_, i) => `t${String(i).padStart(3, "0")}`,
    );
    const offer = offerTools({ tools: [], httpTools: [] }, [
      {
        use: { server: "s" },
        allowedTools: null,
        tools: [
          { name: "arr", inputSchema: { type: "array" } },
          { name: "big", inputSchema: big },
          ...listed(...many),
        ],
      },
    ]);
    expect(offer.definitions).toHaveLength(MAX_MCP_TOOLS);
    expect(offer.withheld.map((w) => w.tool)).toEqual(["arr", "big", "t064"]);
  });

  it("bounds a server's descriptions and drops its $schema", () => {
    const offer = offerTools({ tools: [], httpTools: [] }, [
      {
        use: { server: "s" },
        allowedTools: null,
        tools: [
          {
            name: "t",
            description: "d".repeat(5000),
            inputSchema: { $schema: "http://json-schema.org/draft-07/schema#", ...object },
          },
        ],
      },
    ]);
    const [t] = offer.definitions;
    expect(t!.function.description).toHaveLength(1025);
    expect(t!.function.parameters).toEqual(object);
  });
});

describe("mcpFunctionName", () => {
  it("is server__tool, with characters a function name may not hold as _", () => {
    expect(mcpFunctionName("github", "search_issues", new Set())).toBe("github__search_issues");
    expect(mcpFunctionName("docs", "files/read.v2", new Set())).toBe("docs__files_read_v2");
  });

  it("keeps within 64 characters, stable, and distinct for tools that would collide", () => {
    const long = "a".repeat(120);
    const name = mcpFunctionName("server", long, new Set());
    expect(name).toMatch(FUNCTION_NAME);
    expect(name).toHaveLength(64);
    expect(mcpFunctionName("server", long, new Set())).toBe(name);
    expect(mcpFunctionName("server", `${long}b`, new Set())).not.toBe(name);
    const taken = new Set(["docs__a_b"]);
    const second = mcpFunctionName("docs", "a.b", taken);
    expect(second).not.toBe("docs__a_b");
    expect(second).toMatch(FUNCTION_NAME);
  });
});
