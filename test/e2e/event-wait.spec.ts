import { expect, node, test } from "./fixtures";

/** start → w (waits for order.paid with the order's key) → done, whose output is the event. */
const definition = (name: string) => ({
  name,
  nodes: [
    { id: "start", type: "start" },
    { id: "w", type: "wait", config: { event: "order.paid", match: "{{ input.orderId }}" } },
    { id: "done", type: "end", config: { output: "{{ nodes.w.output }}" } },
  ],
  edges: [
    { from: "start", to: "w" },
    { from: "w", to: "done", on: "received" },
  ],
});

test("a waiting wait node shows its event, key and signed URL; bad JSON is refused; sending the event completes the run", async ({
  signedIn: page,
  api,
}) => {
  const wf = await api.call<{ id: string }>(
    "POST",
    "/api/workflows",
    definition(`e2e wait ${Date.now()}`),
  );
  const { runId } = await api.call<{ runId: string }>("POST", `/api/workflows/${wf.id}/runs`, {
    input: { orderId: "A1" },
  });
  await page.goto(`/runs/${runId}`);
  await node(page, "w").click();
  const panel = page.getByTestId("wait-w");
  await expect(panel).toContainText("order.paid");
  await expect(panel).toContainText("A1");
  await expect(panel).toContainText("no timeout");
  await expect(panel.getByTestId("wait-url")).toContainText("/api/events/signed/");
  // The builder's port handles: received and timeout.
  for (const port of ["received", "timeout"]) {
    await expect(node(page, "w").locator(`[data-port="${port}"]`)).toBeVisible();
  }

  const data = panel.getByLabel("Event data (JSON)");
  await data.fill("{not json");
  await panel.getByRole("button", { name: "Send event" }).click();
  await expect(panel.getByRole("alert")).toContainText("not valid JSON");
  await expect(page.getByTestId("run-status")).toContainText("waiting");

  await data.fill('{"paid": true}');
  await panel.getByRole("button", { name: "Send event" }).click();
  await expect(page.getByTestId("run-status")).toContainText("completed");
  const run = await api.call<{ output: unknown }>("GET", `/api/runs/${runId}`);
  expect(run.output).toEqual({ paid: true });
});
