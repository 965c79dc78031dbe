import { expect, node, test } from "./fixtures";

test("picks the workflow a subworkflow node runs, and links parent and child runs", async ({
  signedIn: page,
  api,
}) => {
  const tag = Date.now();
  await api.call("POST", "/api/workflows", {
    name: `e2e child ${tag}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "done", type: "end", config: { output: { from: "the child" } } },
    ],
    edges: [{ from: "start", to: "done" }],
  });
  const { id } = await api.call<{ id: string }>("POST", "/api/workflows", {
    name: `e2e parent ${tag}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "call", type: "subworkflow", config: { workflow: "not yet" } },
      { id: "done", type: "end", config: { output: "{{ nodes.call.output }}" } },
    ],
    edges: [
      { from: "start", to: "call" },
      { from: "call", to: "done" },
    ],
  });

  await page.goto(`/workflows/${id}`);
  await node(page, "call").click();
  await expect(page.getByText('No workflow named "not yet" here yet')).toBeVisible();
  await page.getByLabel("Workflow to run").selectOption(`e2e child ${tag}`);
  await expect(page.getByRole("link", { name: `e2e child ${tag}` })).toBeVisible();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("v2 · saved")).toBeVisible();

  const { runId } = await api.call<{ runId: string }>("POST", `/api/workflows/${id}/runs`, {});
  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId("run-status")).toContainText("completed");
  await node(page, "call").click();
  await page.getByTestId("node-panel").getByRole("link", { name: /^run_/ }).click();
  await expect(page.getByText("child of")).toBeVisible();
  await expect(page.getByRole("link", { name: runId })).toBeVisible();
});
