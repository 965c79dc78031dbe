import { connect, dropKind, expect, node, test } from "./fixtures";

test("sign in, build start → transform → end by drag and drop, save, run and watch it go green", async ({
  page,
  api,
}, info) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "aob" })).toBeVisible();
  await page.getByLabel("API key").fill("aob_not_a_key");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("refused this key");
  await page.getByLabel("API key").fill(api.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Workflows" })).toBeVisible();

  await page.getByRole("link", { name: "New workflow" }).click();
  await expect(page.getByText("An empty workflow")).toBeVisible();
  await expect(page.locator('.palette [data-kind="subworkflow"]')).toBeEnabled();

  await dropKind(page, "start", { x: 90, y: 300 });
  await dropKind(page, "transform", { x: 330, y: 300 });
  // A fresh transform has no expression yet: the API's validation marks the node and the field.
  await expect(node(page, "transform")).not.toHaveAttribute("data-issues", "0");
  await expect(page.locator("#cfg-transform-expression")).toHaveAttribute("aria-invalid", "true");
  await page.locator("#cfg-transform-expression").fill("'Hello, ' & input.name & '!'");
  await dropKind(page, "end", { x: 570, y: 300 });
  await page.locator("#cfg-end-output").fill('{ "greeting": "{{ nodes.transform.output }}" }');

  await connect(page, "start", "success", "transform");
  await connect(page, "transform", "success", "end");
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);

  const name = `e2e greeting ${Date.now()}`;
  await page.getByLabel("Workflow name").fill(name);
  await expect(page.locator(".wf-state")).toContainText("valid");
  for (const id of ["start", "transform", "end"]) {
    await expect(node(page, id)).toHaveAttribute("data-issues", "0");
  }
  await page.screenshot({ path: info.outputPath("builder.png") });

  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1" })).toBeVisible();
  await expect(page).toHaveURL(/\/workflows\/wf_/);
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await expect(page.getByRole("region", { name: "Versions" })).toContainText("v1 (on the canvas)");

  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByLabel("Input (JSON)").fill('{ "name": "Ada" }');
  await page.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/run_/);

  for (const id of ["start", "transform", "end"]) {
    await expect(node(page, id)).toHaveAttribute("data-status", "succeeded");
  }
  await expect(page.getByTestId("run-status")).toContainText("completed");
  await expect(page.getByTestId("run-output")).toContainText('"greeting": "Hello, Ada!"');

  await node(page, "transform").click();
  await expect(page.getByTestId("node-output")).toContainText('"Hello, Ada!"');
  await page.getByRole("tab", { name: /Timeline/ }).click();
  await expect(page.locator('.timeline [data-type="run_completed"]')).toBeVisible();
  await page.screenshot({ path: info.outputPath("run.png") });

  // Replay from a node (its context menu): a new run that reuses the outputs upstream of it.
  const source = page.url();
  await node(page, "transform").click({ button: "right" });
  await page.getByRole("menuitem", { name: "Replay from here" }).click();
  await expect(page).not.toHaveURL(source);
  await expect(page.getByText("replay of")).toBeVisible();
  await expect(node(page, "end")).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("run-output")).toContainText("Hello, Ada!");

  // Delete it with its two runs, after confirming; it leaves the list.
  await page.getByRole("link", { name: "Workflows" }).click();
  await page.getByRole("button", { name: `Delete ${name}` }).click();
  await page.getByLabel(/Also delete its runs/).check();
  await page.getByRole("button", { name: "Delete for good" }).click();
  await expect(page.getByRole("status")).toContainText("Its 2 runs are being deleted");
  await page.getByRole("button", { name: "Close" }).first().click();
  await expect(page.getByRole("link", { name })).toHaveCount(0);
});
