import { describe, expect, it } from "vitest";
import { mcpHeaderProblems, mcpHeaderSecrets } from "./mcp-server";

describe("an MCP server's headers", () => {
  it("takes text and secret references", () => {
    expect(
      mcpHeaderProblems({
        authorization: "Bearer {{ secrets.GH_TOKEN }}",
        "x-api-key": "{{secrets.KEY}}",
        "x-tenant": "acme",
      }),
    ).toEqual([]);
    expect(
      mcpHeaderSecrets({ authorization: "Bearer {{ secrets.GH }}", "x-a": "{{ secrets.A }}" }),
    ).toEqual([
      { name: "GH", header: "authorization" },
      { name: "A", header: "x-a" },
    ]);
  });

  it("refuses a credential in plain text, other templates, names the transport sets, and bad names", () => {
    const problems = mcpHeaderProblems({
      authorization: "Bearer ghp_secret",
      "X-Api-Key": "k-123",
      "x-trace": "{{ input.id }}",
      "content-type": "text/plain",
      "bad name": "x",
      "x-split": "a\r\nb",
    });
    expect(problems.map((p) => p.path[1])).toEqual([
      "authorization",
      "X-Api-Key",
      "x-trace",
      "content-type",
      "bad name",
      "x-split",
    ]);
    expect(problems[0]!.message).toContain("{{ secrets.NAME }}");
    expect(problems[2]!.message).toContain("no other template");
    expect(problems[3]!.message).toContain("set by the MCP transport");
  });
});
