import { expect, test } from "./fixtures";

test("offers a workflow as an MCP tool from the builder's workflow panel; saving keeps exposeAsTool", async ({
  signedIn: page,
  api,
}, info) => {
  const stamp = Date.now();
  const { id } = await api.call<{ id: string }>("POST", "/api/workflows", {
    name: `E2E ask ${stamp}`,
    description: "Answers a question.",
    nodes: [
      {
        id: "start",
        type: "start",
        config: { inputSchema: { type: "object", properties: { q: { type: "string" } } } },
      },
      { id: "done", type: "end", config: { output: "{{ input.q }}" } },
    ],
    edges: [{ from: "start", to: "done" }],
  });
  await page.goto(`/workflows/${id}`);
  const section = page.getByRole("region", { name: "MCP tool" });
  await expect(section).toContainText("Off: clients of /mcp reach it only through start_run");
  await section.getByLabel("Offer as a tool to MCP clients").check();
  // The name MCP clients see, derived from the workflow's.
  await expect(section.locator("code", { hasText: `e2e_ask_${stamp}` })).toBeVisible();
  await page.screenshot({ path: info.outputPath("mcp-tool.png") });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("v2 · saved")).toBeVisible();
  const saved = await api.call<{ definition: { exposeAsTool?: boolean } }>(
    "GET",
    `/api/workflows/${id}/versions/2`,
  );
  expect(saved.definition.exposeAsTool).toBe(true);

  // A reload shows it on; unticking and saving takes it away again.
  await page.reload();
  const again = page.getByRole("region", { name: "MCP tool" });
  await expect(again.getByLabel("Offer as a tool to MCP clients")).toBeChecked();
  await again.getByLabel("Offer as a tool to MCP clients").uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("v3 · saved")).toBeVisible();
  const off = await api.call<{ definition: { exposeAsTool?: boolean } }>(
    "GET",
    `/api/workflows/${id}/versions/3`,
  );
  expect(off.definition.exposeAsTool).toBeUndefined();
});
