import { expect, test } from "./fixtures";

test("a run whose input breaks the start node's inputSchema is not started, and the dialog names each path", async ({
  signedIn: page,
  api,
}) => {
  const { id } = await api.call<{ id: string }>("POST", "/api/workflows", {
    name: `E2E typed input ${Date.now()}`,
    nodes: [
      {
        id: "start",
        type: "start",
        config: {
          inputSchema: {
            type: "object",
            required: ["email"],
            properties: { email: { type: "string" }, seats: { type: "integer", minimum: 1 } },
          },
        },
      },
      { id: "done", type: "end", config: { output: "{{ input.email }}" } },
    ],
    edges: [{ from: "start", to: "done" }],
  });
  await page.goto(`/workflows/${id}`);
  await page.getByRole("button", { name: "Run…" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Edit the input as JSON").check();
  await dialog.getByLabel("Input (JSON)").fill('{ "seats": 0 }');
  await dialog.getByRole("button", { name: "Start run" }).click();
  const refusal = dialog.getByRole("alert");
  await expect(refusal).toContainText("does not match the input schema");
  await expect(refusal.locator("li")).toHaveText([/^input: .*"email"/, /^input\.seats: /]);
  const runs = await api.call<{ runs: unknown[] }>("GET", `/api/runs?workflowId=${id}`);
  expect(runs.runs).toEqual([]);

  await dialog.getByLabel("Input (JSON)").fill('{ "email": "ada@example.com", "seats": 2 }');
  await dialog.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/run_/);
  await expect(page.getByTestId("run-output")).toContainText("ada@example.com");
});
