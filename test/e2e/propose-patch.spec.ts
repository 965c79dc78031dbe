import { type Api, expect, node, signInAs, test } from "./fixtures";

/** start → ask (an approval) → ship → done: a run that waits at `ask` until someone decides. */
const definition = (name: string) => ({
  name,
  nodes: [
    { id: "start", type: "start" },
    { id: "ask", type: "approval", config: { message: "Ship ticket?" } },
    { id: "ship", type: "transform", config: { expression: "'shipped ' & input.ticket" } },
    { id: "done", type: "end" },
  ],
  edges: [
    { from: "start", to: "ask" },
    { from: "ask", to: "ship", on: "approved" },
    { from: "ship", to: "done" },
  ],
});

async function startWaitingRun(api: Api, name: string): Promise<string> {
  const wf = await api.call<{ id: string }>("POST", "/api/workflows", definition(name));
  const run = await api.call<{ runId: string }>("POST", `/api/workflows/${wf.id}/runs`, {
    input: { ticket: "CHG-7" },
  });
  return run.runId;
}

const summaryNode = {
  op: "add_node",
  node: {
    id: "summary",
    type: "transform",
    config: { expression: "'ticket ' & input.ticket & ' reviewed'" },
  },
};
/** The patch the person means: a summary after the approval that the end waits for too. */
const fixedOps = [
  summaryNode,
  { op: "add_edge", edge: { from: "ask", to: "summary", on: "approved" } },
  { op: "add_edge", edge: { from: "summary", to: "done" } },
];
/** The same with a typo in the second op: the run refuses it at `ops[1].edge.to`. */
const typoOps = [
  summaryNode,
  { op: "add_edge", edge: { from: "ask", to: "sumary", on: "approved" } },
  { op: "add_edge", edge: { from: "summary", to: "done" } },
];
const REASON = "summarise the ticket once it is approved";

test("propose a patch from the run view: refused with its path, fixed, applied, highlighted, and run once the gate is approved", async ({
  signedIn: page,
  api,
}, info) => {
  const runId = await startWaitingRun(api, "e2e propose patch");
  await page.goto(`/runs/${runId}`);
  await expect(node(page, "ask")).toHaveAttribute("data-status", "waiting");
  await page.getByRole("tab", { name: "Patches (0)" }).click();
  await expect(page.getByRole("tabpanel")).toContainText("No patches");
  await page.getByRole("button", { name: "Propose patch…" }).click();

  const dialog = page.getByRole("dialog", { name: "Propose a patch" });
  const ops = dialog.getByLabel("Ops (JSON array)");
  const submit = dialog.getByRole("button", { name: "Submit patch" });
  // The example fits the run: a transform after the waiting approval, on its first port.
  const example = [
    {
      op: "add_node",
      node: {
        id: "after_ask",
        type: "transform",
        config: { expression: "{ 'after': 'ask', 'output': nodes.ask.output }" },
      },
    },
    { op: "add_edge", edge: { from: "ask", to: "after_ask", on: "approved" } },
  ];
  await expect(ops).toHaveValue(JSON.stringify(example, null, 2));
  await expect(dialog).toContainText("Not started yet: ship, done");

  // Text that is not JSON is caught before anything is sent.
  await ops.fill('[{ "op": "add_node", ');
  await submit.click();
  await expect(dialog.getByRole("alert")).toContainText("The ops are not valid JSON");

  // A malformed op: 400, nothing recorded, every problem with its path.
  await ops.fill(JSON.stringify([{ op: "add_node", node: { id: "Summary" } }]));
  await submit.click();
  const refusal = dialog.getByTestId("patch-refusal");
  await expect(refusal).toContainText("The patch is malformed (nothing was recorded)");
  await expect(refusal.locator('[data-at="ops[0].node.id"]')).toContainText("ops[0].node.id");
  await expect(refusal.locator('[data-at="ops[0].node.type"]')).toBeVisible();

  // A well-formed patch the run refuses: 422, recorded as rejected, the path of the typo shown.
  await ops.fill(JSON.stringify(typoOps, null, 2));
  await dialog.getByLabel("Reason (optional)").fill(REASON);
  await submit.click();
  await expect(refusal).toContainText("Rejected by the run");
  const typo = refusal.locator('[data-at="ops[1].edge.to"]');
  await expect(typo).toContainText("ops[1].edge.to");
  await expect(typo).toContainText('no node "sumary"');
  await page.screenshot({ path: info.outputPath("propose-patch-rejected.png") });

  // Fixed: applied, the form closes, the list and the canvas follow from the live events.
  await ops.fill(JSON.stringify(fixedOps, null, 2));
  await submit.click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("tab", { name: "Patches (2)" })).toHaveAttribute(
    "aria-selected",
    "true",
  );
  const rejected = page.getByTestId("patch-1");
  await expect(rejected).toHaveAttribute("data-status", "rejected");
  await expect(rejected).toContainText("ops[1].edge.to");
  const applied = page.getByTestId("patch-2");
  await expect(applied).toHaveAttribute("data-status", "applied");
  await expect(applied).toContainText(REASON);
  await expect(applied).toContainText("add node summary (transform)");
  await expect(applied).toContainText("add edge summary → done");
  await expect(applied.getByTestId("patch-source")).toContainText("(API key ");

  const summary = node(page, "summary");
  await expect(summary).toHaveAttribute("data-added-by", "2");
  await expect(summary).toHaveAttribute("data-status", "pending");
  await expect(summary).toContainText("added by patch 2");
  await expect(page.locator(".react-flow__edge.edge-added")).toHaveCount(2);
  await page.screenshot({ path: info.outputPath("propose-patch-applied.png") });

  // The gate opens: the added node runs, then the end that now waits for it.
  await page.getByTestId("approval-ask").getByRole("button", { name: "Approve" }).click();
  await expect(summary).toHaveAttribute("data-status", "succeeded");
  await expect(node(page, "done")).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("run-status")).toContainText("completed");
  await summary.click();
  await expect(page.getByTestId("node-output")).toContainText("ticket CHG-7 reviewed");

  // An ended run takes no patches: the action stays, disabled, with the reason.
  await page.getByRole("tab", { name: "Patches (2)" }).click();
  const propose = page.getByRole("button", { name: "Propose patch…" });
  await expect(propose).toBeDisabled();
  await expect(propose).toHaveAccessibleDescription(/The run has ended/);
});

test("a key without the run scope is told so by the server, in the form", async ({ page, api }) => {
  const runId = await startWaitingRun(api, "e2e propose patch read-only");
  const readOnly = await api.call<{ key: string }>("POST", "/api/keys", {
    name: "e2e read only",
    scopes: ["read"],
  });
  await signInAs(page, readOnly.key);
  await page.goto(`/runs/${runId}`);
  await expect(node(page, "ask")).toHaveAttribute("data-status", "waiting");
  await page.getByRole("tab", { name: "Patches (0)" }).click();
  await page.getByRole("button", { name: "Propose patch…" }).click();
  const dialog = page.getByRole("dialog", { name: "Propose a patch" });
  await dialog.getByRole("button", { name: "Submit patch" }).click();
  const refusal = dialog.getByTestId("patch-refusal");
  await expect(refusal).toContainText("This API key may not patch runs");
  await expect(refusal).toContainText('this request lacks the "run" scope');
  await expect(page.getByRole("tab", { name: "Patches (0)" })).toBeVisible();
});
