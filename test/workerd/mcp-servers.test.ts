import { describe, expect, it } from "vitest";
import { api } from "./helpers";
import { OTHER_KEY } from "./setup";

/*
 * A tenant's MCP servers (issue 22, point 1): registered by name with `edit`, shown with their
 * headers as written (secret references, never values), refused with the path of what is wrong.
 */

interface Refusal {
  error: { code: string; message: string; details: { errors: { at: string; code: string }[] } };
}

describe("MCP servers", () => {
  it("registers, lists, shows and deletes a server; headers keep secret references", async () => {
    const value = `gh-${crypto.randomUUID()}`;
    await api("PUT", "/api/secrets/GH_TOKEN", { value, allowedHosts: ["mcp.example.com"] });
    const body = {
      url: "https://mcp.example.com/mcp",
      headers: { authorization: "Bearer {{ secrets.GH_TOKEN }}", "x-team": "support" },
      allowedTools: ["search_issues", "create_issue"],
      effects: ["create_issue"],
    };
    const put = await api("PUT", "/api/mcp-servers/github", body);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      name: "github",
      host: "mcp.example.com",
      headers: body.headers,
      secrets: ["GH_TOKEN"],
      allowedTools: body.allowedTools,
      effects: ["create_issue"],
    });
    const list = await api<{ servers: { name: string }[] }>("GET", "/api/mcp-servers");
    expect(list.body.servers.map((s) => s.name)).toContain("github");
    expect(JSON.stringify(list.body)).not.toContain(value);
    expect((await api("GET", "/api/mcp-servers/github")).body).toEqual(put.body);
    // Another tenant sees none of it.
    expect((await api("GET", "/api/mcp-servers/github", undefined, OTHER_KEY)).status).toBe(404);

    // An agent may name only tools the registration allows.
    const saved = await api<Refusal>("POST", "/api/workflows", {
      name: "mcp tools",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "agent",
          type: "agent",
          config: { prompt: "p", mcp: [{ server: "github", tools: ["search_issues", "drop_db"] }] },
        },
      ],
      edges: [{ from: "start", to: "agent" }],
    });
    expect(saved.status).toBe(400);
    expect(saved.body.error.details.errors).toEqual([
      expect.objectContaining({
        at: "nodes[1].config.mcp[0].tools[1]",
        code: "mcp_tool_not_allowed",
      }),
    ]);

    expect((await api("DELETE", "/api/mcp-servers/github")).status).toBe(204);
    expect((await api("GET", "/api/mcp-servers/github")).status).toBe(404);
    expect((await api("DELETE", "/api/mcp-servers/github")).status).toBe(404);
  });

  it("refuses a credential in plain text, a missing secret and a secret bound elsewhere, with their paths", async () => {
    await api("PUT", "/api/secrets/ELSEWHERE", { value: "x", allowedHosts: ["api.other.com"] });
    const put = (headers: Record<string, string>) =>
      api<Refusal>("PUT", "/api/mcp-servers/tracker", {
        url: "https://mcp.example.com/mcp",
        headers,
      });
    const plain = await put({ authorization: "Bearer ghp_plain", "content-type": "text/plain" });
    expect(plain.status).toBe(400);
    expect(plain.body.error.details.errors.map((e) => e.at)).toEqual([
      "headers.authorization",
      "headers.content-type",
    ]);
    expect(plain.body.error.message).toMatch(/^headers\.authorization: .*\{\{ secrets\.NAME \}\}/);
    const missing = await put({ authorization: "Bearer {{ secrets.NOPE }}" });
    expect(missing.body.error.details.errors).toEqual([
      expect.objectContaining({ at: "headers.authorization", code: "secret_not_found" }),
    ]);
    const elsewhere = await put({ "x-api-key": "{{ secrets.ELSEWHERE }}" });
    expect(elsewhere.body.error.details.errors).toEqual([
      expect.objectContaining({ at: "headers.x-api-key", code: "secret_host_not_allowed" }),
    ]);
    const userinfo = await api<Refusal>("PUT", "/api/mcp-servers/tracker", {
      url: "https://user:pass@mcp.example.com/mcp",
    });
    expect(userinfo.body.error.details.errors[0]).toMatchObject({ at: "url" });
    expect((await api("GET", "/api/mcp-servers/tracker")).status).toBe(404);
  });
});
