import { readFile } from "node:fs/promises";
import { type Api, expect, node, test } from "./fixtures";

/** Start → approval (with a form) → yes | no → end. */
const definition = (name: string) => ({
  name,
  nodes: [
    { id: "start", type: "start" },
    {
      id: "ask",
      type: "approval",
      config: {
        message: "Ship the release?",
        form: {
          type: "object",
          properties: { ticket: { type: "string", description: "Change ticket" } },
          required: ["ticket"],
        },
      },
    },
    {
      id: "ship",
      type: "transform",
      config: { expression: "'shipped ' & nodes.ask.output.data.ticket" },
    },
    { id: "hold", type: "transform", config: { expression: "'held'" } },
    { id: "done", type: "end", join: "any" },
  ],
  edges: [
    { from: "start", to: "ask" },
    { from: "ask", to: "ship", on: "approved" },
    { from: "ask", to: "hold", on: "rejected" },
    { from: "ship", to: "done" },
    { from: "hold", to: "done" },
  ],
});

test("import a workflow with an approval, run it, approve with the form and see the approved branch run", async ({
  signedIn: page,
}, info) => {
  await page.goto("/workflows/new");
  await page.getByRole("button", { name: "Import" }).first().click();
  await page
    .getByLabel("Or paste the JSON definition")
    .fill(JSON.stringify(definition("e2e approve")));
  await page.getByRole("button", { name: "Import", exact: true }).last().click();
  await expect(node(page, "ask")).toBeVisible();
  // Ports are handles: approved / rejected / timeout on the approval, error on every node.
  for (const port of ["approved", "rejected", "timeout", "error"]) {
    await expect(node(page, "ask").locator(`[data-port="${port}"]`)).toBeVisible();
  }
  await expect(page.locator(".wf-state")).toContainText("valid");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export" }).click();
  const exported = JSON.parse(await readFile((await (await download).path())!, "utf8")) as {
    nodes: { id: string }[];
    ui: { positions: Record<string, unknown> };
  };
  expect(exported.nodes.map((n) => n.id)).toEqual(["start", "ask", "ship", "hold", "done"]);
  expect(Object.keys(exported.ui.positions)).toHaveLength(5);
  await page.keyboard.press("Control+s");
  await expect(page).toHaveURL(/\/workflows\/wf_/);

  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await expect(node(page, "ask")).toHaveAttribute("data-status", "waiting");
  await expect(page.getByTestId("run-status")).toContainText("waiting");

  const card = page.getByTestId("approval-ask");
  await expect(card).toContainText("Ship the release?");
  // The form is required: approving without it is refused and the field says why.
  await card.getByRole("button", { name: "Approve" }).click();
  await expect(card.getByRole("alert")).toContainText("Not recorded");
  await card.getByLabel(/ticket/).fill("CHG-42");
  await card.getByLabel("Comment").fill("looks good");
  await page.screenshot({ path: info.outputPath("approval.png") });
  await card.getByRole("button", { name: "Approve" }).click();

  await expect(node(page, "ask")).toHaveAttribute("data-status", "succeeded");
  await expect(node(page, "ship")).toHaveAttribute("data-status", "succeeded");
  await expect(node(page, "hold")).toHaveAttribute("data-status", "skipped");
  await expect(node(page, "done")).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("run-status")).toContainText("completed");
  await node(page, "ship").click();
  await expect(page.getByTestId("node-output")).toContainText("shipped CHG-42");
  await page.screenshot({ path: info.outputPath("approved.png") });
});

async function startWaitingRun(api: Api, name: string): Promise<string> {
  const wf = await api.call<{ id: string }>("POST", "/api/workflows", definition(name));
  const run = await api.call<{ runId: string }>("POST", `/api/workflows/${wf.id}/runs`, {
    input: {},
  });
  return run.runId;
}

test("reject from the approvals inbox; the run takes the rejected branch; the run list filters by status", async ({
  signedIn: page,
  api,
}, info) => {
  const runId = await startWaitingRun(api, "e2e reject");
  await page.goto("/approvals");
  const item = page.locator(`.inbox li[data-run="${runId}"]`);
  await expect(item).toContainText("Ship the release?");
  await page.screenshot({ path: info.outputPath("inbox.png") });
  await item.getByRole("button", { name: "Reject" }).click();
  await expect(item).toHaveCount(0);

  await page.goto(`/runs/${runId}`);
  await expect(node(page, "hold")).toHaveAttribute("data-status", "succeeded");
  await expect(node(page, "ship")).toHaveAttribute("data-status", "skipped");
  await expect(page.getByTestId("run-status")).toContainText("completed");

  await page.getByRole("link", { name: "Runs", exact: true }).click();
  await page.getByLabel("Status").selectOption("completed");
  await expect(page).toHaveURL(/status=completed/);
  await expect(page.getByRole("link", { name: runId })).toBeVisible();
  await page.getByLabel("Status").selectOption("cancelled");
  await expect(page.getByRole("link", { name: runId })).toHaveCount(0);
});

test("cancel a waiting run from its page, hold it, then delete it after confirming", async ({
  signedIn: page,
  api,
}) => {
  const runId = await startWaitingRun(api, "e2e cancel");
  await page.goto(`/runs/${runId}`);
  await expect(node(page, "ask")).toHaveAttribute("data-status", "waiting");
  await page.getByRole("button", { name: "Cancel run" }).click();
  await expect(page.getByTestId("run-status")).toContainText("cancelled");
  await expect(node(page, "ask")).toHaveAttribute("data-status", "cancelled");
  await expect(page.getByRole("button", { name: "Cancel run" })).toHaveCount(0);
  await expect(page.getByTestId("approval-ask")).toHaveCount(0);

  // Held: the run list tags it; retention would keep it.
  await page.getByRole("button", { name: "Hold" }).click();
  await expect(page.getByRole("button", { name: "Held: release" })).toHaveAttribute(
    "aria-pressed",
    "true",
  );
  const { runs } = await api.call<{ runs: { id: string; held: boolean }[] }>(
    "GET",
    "/api/runs?status=cancelled&limit=500",
  );
  expect(runs.find((r) => r.id === runId)?.held).toBe(true);

  // Keeping it changes nothing; deleting says what it freed and the run is gone.
  await page.getByRole("button", { name: "Delete run" }).click();
  await page.getByRole("button", { name: "Keep it" }).click();
  expect((await page.request.get(`/api/runs/${runId}`)).status()).toBe(200);
  await page.getByRole("button", { name: "Delete run" }).click();
  await page.getByRole("button", { name: "Delete for good" }).click();
  await expect(page.getByRole("status")).toContainText(/Deleted \d+ rows/);
  await page.getByRole("button", { name: "Go to the run list" }).click();
  await expect(page).toHaveURL(/\/runs$/);
  expect((await page.request.get(`/api/runs/${runId}`)).status()).toBe(404);
  await expect(page.getByRole("link", { name: runId })).toHaveCount(0);
});

test("the inbox shows a child run's approval with its parent run and map item, and approves it", async ({
  signedIn: page,
  api,
}) => {
  const tag = Date.now();
  await api.call("POST", "/api/workflows", {
    name: `e2e gate ${tag}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "gate", type: "approval", config: { message: "Ship item {{ input.n }}?" } },
      { id: "done", type: "end", config: { output: "{{ input.n }}" } },
    ],
    edges: [
      { from: "start", to: "gate" },
      { from: "gate", to: "done", on: "approved" },
    ],
  });
  const parent = await api.call<{ id: string }>("POST", "/api/workflows", {
    name: `e2e gate each ${tag}`,
    nodes: [
      { id: "start", type: "start" },
      {
        id: "each",
        type: "map",
        config: {
          items: "[7]",
          node: {
            type: "subworkflow",
            config: { workflow: `e2e gate ${tag}`, input: { n: "{{ item }}" } },
          },
        },
      },
      { id: "done", type: "end", config: { output: "{{ nodes.each.output }}" } },
    ],
    edges: [
      { from: "start", to: "each" },
      { from: "each", to: "done" },
    ],
  });
  const { runId } = await api.call<{ runId: string }>(
    "POST",
    `/api/workflows/${parent.id}/runs`,
    {},
  );
  await page.goto("/approvals");
  const item = page.locator(".inbox li").filter({ hasText: "Ship item 7?" });
  await expect(item).toContainText(`child of run ${runId}, node each, item 0`);
  await item.getByRole("link", { name: runId }).click();
  await expect(page).toHaveURL(new RegExp(`/runs/${runId}`));
  await page.goBack();
  await item.getByRole("button", { name: "Approve" }).click();
  await expect(item).toHaveCount(0);
  await expect
    .poll(async () => (await api.call<{ status: string }>("GET", `/api/runs/${runId}`)).status)
    .toBe("completed");
});
