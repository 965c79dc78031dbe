import { expect, node, scriptModel, test } from "./fixtures";

/**
 * The model the global setup prices (input $1, cached input $0.50, output $2 per million tokens)
 * and the scripted stub answers. One test uses it, so its script is never shared.
 */
const MODEL = "e2e-agent";

/** start → triage (an agent that may patch the graph) → done. */
const definition = {
  name: "e2e agent patch",
  nodes: [
    { id: "start", type: "start" },
    {
      id: "triage",
      type: "agent",
      config: {
        model: MODEL,
        prompt: "Triage ticket {{ input.ticket }}",
        tools: ["patch_workflow"],
      },
    },
    { id: "done", type: "end", config: { output: "{{ nodes.triage.output }}" } },
  ],
  edges: [
    { from: "start", to: "triage" },
    { from: "triage", to: "done" },
  ],
};

const REASON = "look the ticket up and summarise it before closing";

/** What the agent adds: two nodes after itself, the second feeding `done`. */
const patch = {
  reason: REASON,
  ops: [
    {
      op: "add_node",
      node: {
        id: "lookup",
        type: "transform",
        config: { expression: "{ 'ticket': input.ticket, 'priority': 'high' }" },
      },
    },
    {
      op: "add_node",
      node: {
        id: "summary",
        type: "transform",
        config: { expression: "'ticket ' & nodes.lookup.output.ticket & ' is urgent'" },
      },
    },
    { op: "add_edge", edge: { from: "triage", to: "lookup" } },
    { op: "add_edge", edge: { from: "lookup", to: "summary" } },
    { op: "add_edge", edge: { from: "summary", to: "done" } },
  ],
};

/** A second proposal the materialiser refuses (the node exists): recorded as rejected. */
const duplicate = {
  reason: "add the lookup again",
  ops: [{ op: "add_node", node: { id: "lookup", type: "transform", config: { expression: "1" } } }],
};

test("a run whose agent patched the graph shows the added nodes highlighted, the patch's provenance and the tokens", async ({
  signedIn: page,
  api,
}, info) => {
  await scriptModel(MODEL, [
    {
      toolCalls: [{ name: "patch_workflow", arguments: patch }],
      usage: { prompt: 900, completion: 60 },
    },
    {
      toolCalls: [{ name: "patch_workflow", arguments: duplicate }],
      usage: { prompt: 950, completion: 40 },
    },
    { content: "triaged", usage: { prompt: 1000, completion: 10, cached: 896 } },
  ]);
  const wf = await api.call<{ id: string }>("POST", "/api/workflows", definition);
  const { runId } = await api.call<{ runId: string }>("POST", `/api/workflows/${wf.id}/runs`, {
    input: { ticket: 7 },
  });

  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId("run-status")).toContainText("completed");

  // The added nodes are on the canvas, ran, and are marked: outline, attribute and text.
  for (const id of ["lookup", "summary"]) {
    const added = node(page, id);
    await expect(added).toBeVisible();
    await expect(added).toHaveAttribute("data-status", "succeeded");
    await expect(added).toHaveAttribute("data-added-by", "1");
    await expect(added).toContainText("added by patch 1");
    await expect(added).toHaveCSS("outline-style", "dashed");
  }
  for (const id of ["start", "triage", "done"]) {
    await expect(node(page, id)).not.toHaveAttribute("data-added-by");
  }
  // The three edges the patch added, each labelled with it.
  const addedEdges = page.locator(".react-flow__edge.edge-added");
  await expect(addedEdges).toHaveCount(3);
  await expect(addedEdges.first()).toContainText("patch 1");
  await expect(page.getByLabel("Legend")).toContainText("added or changed by a patch");

  // Run summary: model usage over every call, priced, and what the patches did.
  const usage = page.getByTestId("run-usage");
  await expect(usage).toContainText("2,960");
  await expect(usage).toContainText("896 cached");
  await expect(usage).toContainText("$0.00262");
  await expect(page.getByTestId("run-patches")).toContainText("1 patch applied, 1 rejected");
  await expect(page.getByTestId("run-patches")).toContainText("2 nodes added");
  await page.screenshot({ path: info.outputPath("agent-patch-run.png") });

  // An added node's panel says which patch added it, who proposed it and why.
  await node(page, "summary").click();
  const provenance = page.getByTestId("node-provenance");
  await expect(provenance).toContainText("Added by patch 1");
  await expect(provenance).toContainText("agent node triage, attempt 1");
  await expect(provenance).toContainText(REASON);
  await expect(page.getByTestId("node-output")).toContainText("ticket 7 is urgent");
  await expect(page.getByTestId("node-attempts").locator("tbody tr")).toHaveCount(1);
  await page.screenshot({ path: info.outputPath("agent-patch-node.png") });

  // Provenance links to the agent: its panel has its tokens, cost and attempts.
  await provenance.getByRole("button", { name: "triage" }).click();
  await expect(page.getByRole("region", { name: "Node triage" })).toBeVisible();
  const nodeUsage = page.getByTestId("node-usage");
  await expect(nodeUsage).toContainText("2,960");
  await expect(nodeUsage).toContainText("2,850 prompt, 110 completion, 896 cached");
  await expect(nodeUsage).toContainText("$0.00262");
  // What the agent was sent: its prompt with the templates resolved.
  await expect(page.getByTestId("node-input")).toContainText("Triage ticket 7");
  const attempt = page.getByTestId("node-attempts").locator('tr[data-attempt="1"]');
  await expect(attempt).toContainText("succeeded");
  await expect(attempt).toContainText("2,960");

  // The Patches tab: both proposals with their provenance, the rejected one with its problem.
  await page.getByRole("tab", { name: "Patches (2)" }).click();
  const applied = page.getByTestId("patch-1");
  await expect(applied).toHaveAttribute("data-status", "applied");
  await expect(applied.getByTestId("patch-source")).toHaveText("agent node triage, attempt 1");
  await expect(applied).toContainText(REASON);
  await expect(applied).toContainText("add node lookup (transform)");
  await expect(applied).toContainText("add edge summary → done");
  const rejected = page.getByTestId("patch-2");
  await expect(rejected).toHaveAttribute("data-status", "rejected");
  await expect(rejected).toContainText("Why it was rejected");
  await expect(rejected).toContainText('node "lookup" already exists');
  await page.screenshot({ path: info.outputPath("agent-patch-patches.png") });

  // Keyboard: arrows move between the tabs; the timeline names the patch events.
  await page.getByRole("tab", { name: "Patches (2)" }).press("ArrowRight");
  await expect(page.getByRole("tab", { name: /Timeline/ })).toBeFocused();
  await expect(page.locator('.timeline [data-type="patch_applied"]')).toContainText(
    "patch 1 added lookup, summary",
  );
  await expect(page.locator('.timeline [data-type="patch_rejected"]')).toContainText("patch 2");
});
