import { docImage, expect, node, test } from "./fixtures";

test("compares a run with its replay from a middle node: reused nodes the same, the re-run one first to diverge", async ({
  signedIn: page,
  api,
}, info) => {
  const { id } = await api.call<{ id: string }>("POST", "/api/workflows", {
    name: `e2e compare ${Date.now()}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "greet", type: "transform", config: { expression: "'Hello, ' & input.name" } },
      // A time: run again, it differs.
      { id: "stamp", type: "transform", config: { expression: "{ 'at': $millis(), 'n': 1 }" } },
      { id: "done", type: "end", config: { output: { at: "{{ nodes.stamp.output.at }}" } } },
    ],
    edges: [
      { from: "start", to: "greet" },
      { from: "greet", to: "stamp" },
      { from: "stamp", to: "done" },
    ],
  });
  const { runId } = await api.call<{ runId: string }>("POST", `/api/workflows/${id}/runs`, {
    input: { name: "Ada" },
  });

  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId("run-status")).toContainText("completed");
  await node(page, "stamp").click({ button: "right" });
  await page.getByRole("menuitem", { name: "Replay from here" }).click();
  await expect(page).not.toHaveURL(new RegExp(`/runs/${runId}$`));
  await expect(page.getByTestId("run-status")).toContainText("completed");
  await page.getByRole("link", { name: "Compare with source" }).click();
  await expect(page).toHaveURL(new RegExp(`/runs/${runId}/compare/run_`));

  await expect(page.getByTestId("compare-summary")).toHaveText("4 nodes: 2 the same, 2 differ.");
  await expect(page.getByTestId("first-divergence")).toContainText("node stamp (output differs)");
  for (const same of ["start", "greet"]) {
    const row = page.getByTestId(`cmp-row-${same}`);
    await expect(row).not.toHaveAttribute("data-differs");
    await expect(row.getByRole("cell", { name: "same", exact: true })).toBeVisible();
  }
  const stamp = page.getByTestId("cmp-row-stamp");
  await expect(stamp).toHaveAttribute("data-first-divergence", "true");
  await expect(stamp).toContainText("first divergence");
  await expect(page.getByTestId("cmp-row-done")).toHaveAttribute("data-differs", "output");
  await expect(page.getByTestId("cmp-row-done")).not.toHaveAttribute("data-first-divergence");
  // The first divergence is open: its output as a JSON diff, the time changed, `n` did not.
  const detail = page.getByTestId("cmp-detail-stamp");
  await expect(detail.getByRole("row")).toHaveCount(2);
  await expect(detail.getByRole("row").nth(1)).toContainText(/^at\d{13}\d{13}$/);
  await page.screenshot({ path: docImage(info, "run-compare.png") });

  // Only the differences.
  await page.getByLabel("Only nodes that differ").check();
  await expect(page.getByTestId("cmp-row-start")).toHaveCount(0);
  await expect(page.getByTestId("cmp-row-done")).toBeVisible();
});

test("the builder shows what changed between two versions: nodes, edges and config fields", async ({
  signedIn: page,
  api,
}, info) => {
  const v1 = {
    name: `e2e versions ${Date.now()}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "call", type: "http", config: { url: "https://a.example/items" } },
      { id: "old", type: "transform", config: { expression: "1" } },
      { id: "done", type: "end" },
    ],
    edges: [
      { from: "start", to: "call" },
      { from: "call", to: "old" },
      { from: "old", to: "done" },
    ],
  };
  const { id } = await api.call<{ id: string }>("POST", "/api/workflows", v1);
  await api.call("PUT", `/api/workflows/${id}`, {
    ...v1,
    nodes: [
      { id: "start", type: "start" },
      {
        id: "call",
        type: "http",
        config: { url: "https://b.example/items", method: "POST" },
        retry: { maxAttempts: 5 },
      },
      { id: "shape", type: "transform", config: { expression: "nodes.call.output.body" } },
      { id: "done", type: "end" },
    ],
    edges: [
      { from: "start", to: "call" },
      { from: "call", to: "shape" },
      { from: "shape", to: "done" },
    ],
  });

  await page.goto(`/workflows/${id}`);
  const panel = page.getByRole("region", { name: "Compare versions" });
  await expect(panel.getByLabel("From")).toHaveValue("1");
  await expect(panel.getByLabel("to")).toHaveValue("2");
  await panel.getByRole("button", { name: "Show changes" }).click();
  const diff = page.getByTestId("version-diff");
  await expect(diff).toContainText("Nodes added+ shape transform");
  await expect(diff).toContainText("Nodes removed− old transform");
  const call = page.getByTestId("vd-changed-call");
  await expect(call).toContainText(
    'config.url: "https://a.example/items" → "https://b.example/items"',
  );
  await expect(call).toContainText('config.method: added "POST"');
  await expect(call).toContainText("retry: added");
  await expect(diff).toContainText("+ call → shape");
  await expect(diff).toContainText("− call → old");
  await panel.screenshot({ path: info.outputPath("version-diff.png") });
});
