import { expect, node, test } from "./fixtures";

test("an editor registers an MCP server whose header names a secret, sees the reference and never the value, is stopped at a plain credential, and deletes it", async ({
  signedIn: page,
  api,
}, info) => {
  const tag = `${Date.now().toString(36)}${info.workerIndex}`;
  const llm = process.env.AOB_E2E_LLM ?? "";
  const value = `e2e-mcp-${tag}-value`;
  await api.call("PUT", "/api/secrets/E2E_MCP", { value, allowedHosts: ["127.0.0.1"] });
  const name = `tracker-${tag}`;
  await page.goto("/");
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "MCP servers" })
    .click();
  await expect(page).toHaveURL(/\/mcp-servers$/);

  const form = page.getByRole("form", { name: "Register an MCP server" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("URL (Streamable HTTP)").fill(`${llm}/mcp`);
  const headers = form.getByLabel("Headers");
  await headers.fill("authorization: Bearer plain-credential");
  await expect(form.getByText(/authorization: authorization carries a credential/)).toBeVisible();
  await expect(form.getByRole("button", { name: "Register server" })).toBeDisabled();
  await headers.fill("authorization: Bearer {{ secrets.E2E_MCP }}");
  await form.getByLabel("Allowed tools").fill("search_issues, create_issue");
  await form.getByLabel("Tools with effects").fill("create_issue");
  await form.getByRole("button", { name: "Register server" }).click();

  const row = page.locator(`tr[data-server="${name}"]`);
  await expect(row).toContainText("authorization: Bearer {{ secrets.E2E_MCP }}");
  await expect(row).toContainText("search_issues, create_issue");
  expect(await page.content()).not.toContain(value);
  await page.screenshot({ path: info.outputPath("mcp-servers.png") });

  await row.getByRole("button", { name: "Delete" }).click();
  await page
    .getByRole("dialog", { name: `Delete ${name}?` })
    .getByRole("button", { name: "Delete server" })
    .click();
  await expect(row).toHaveCount(0);
});

test("the agent inspector picks an MCP server and narrows its tools, adds a custom http tool, and the saved version has both", async ({
  signedIn: page,
  api,
}, info) => {
  const tag = `${Date.now().toString(36)}${info.workerIndex}`;
  const llm = process.env.AOB_E2E_LLM ?? "";
  const server = `docs-${tag}`;
  await api.call("PUT", `/api/mcp-servers/${server}`, {
    url: `${llm}/mcp`,
    allowedTools: ["search", "read"],
  });
  const wf = await api.call<{ id: string }>("POST", "/api/workflows", {
    name: `e2e agent tools ${tag}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "ask", type: "agent", config: { prompt: "Answer from the docs" } },
    ],
    edges: [{ from: "start", to: "ask" }],
  });
  await page.goto(`/workflows/${wf.id}`);
  await node(page, "ask").click();
  const tools = page.getByRole("region", { name: "Tools" });
  await tools.getByLabel(new RegExp(`^${server}`)).check();
  const only = tools.getByLabel("Only these tools");
  await only.fill("search");
  await only.blur();
  await tools.getByRole("button", { name: "Add a custom tool" }).click();
  await tools.getByLabel("Name", { exact: true }).fill("lookup");
  await tools.getByLabel("Has effects").check();
  await page.screenshot({ path: info.outputPath("agent-tools.png") });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 2" })).toBeVisible();

  const saved = await api.call<{ definition: { nodes: { id: string; config?: unknown }[] } }>(
    "GET",
    `/api/workflows/${wf.id}`,
  );
  const config = saved.definition.nodes.find((n) => n.id === "ask")?.config;
  expect(config).toMatchObject({
    mcp: [{ server, tools: ["search"] }],
    httpTools: [{ name: "lookup", effects: true, request: { method: "GET" } }],
  });
});
