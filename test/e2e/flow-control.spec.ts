import { expect, test } from "./fixtures";

/** start → w (waits for `go` with the run's key) → done: each run holds its slot until told. */
const definition = (name: string) => ({
  name,
  nodes: [
    { id: "start", type: "start" },
    { id: "w", type: "wait", config: { event: "go", match: "{{ input.n }}" } },
    { id: "done", type: "end", config: { output: "{{ input.n }}" } },
  ],
  edges: [
    { from: "start", to: "w" },
    { from: "w", to: "done", on: "received" },
  ],
});

test("sets a concurrency limit in the builder; a queued run says where it waits, starts when a slot frees, and can be cancelled", async ({
  signedIn: page,
  api,
}) => {
  const { id } = await api.call<{ id: string }>(
    "POST",
    "/api/workflows",
    definition(`e2e queue ${Date.now()}`),
  );
  await page.goto(`/workflows/${id}`);
  await expect(page.getByTestId("admission-tier")).toContainText("no agent nodes: none tier");
  const runsAtOnce = page.getByRole("region", { name: "Runs at once" });
  await runsAtOnce.getByLabel("Limit (empty: no limit)").fill("1");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("v2 · saved")).toBeVisible();
  const saved = await api.call<{ definition: { concurrency?: unknown } }>(
    "GET",
    `/api/workflows/${id}/versions/2`,
  );
  expect(saved.definition.concurrency).toEqual({ limit: 1, maxQueued: 1000 });

  const start = (n: number) =>
    api.call<{ runId: string; status: string }>("POST", `/api/workflows/${id}/runs`, {
      input: { n: String(n) },
    });
  const first = await start(1);
  const second = await start(2);
  const third = await start(3);
  expect([first.status, second.status, third.status]).toEqual(["running", "queued", "queued"]);

  await page.goto(`/runs/${second.runId}`);
  await expect(page.getByTestId("run-status")).toContainText("queued");
  await expect(page.getByTestId("queued-banner")).toContainText("Number 1 in the queue");
  // The first run ends: the second starts, and its page follows it.
  await api.call("POST", "/api/events", { name: "go", key: "1" });
  await expect(page.getByTestId("run-status")).toContainText("waiting");
  await expect(page.getByTestId("queued-banner")).toHaveCount(0);

  await page.goto(`/runs/${third.runId}`);
  await expect(page.getByTestId("queued-banner")).toContainText("Number 1 in the queue");
  await page.getByRole("button", { name: "Cancel run" }).click();
  await expect(page.getByTestId("run-status")).toContainText("cancelled");

  await page.goto(`/runs?status=queued&workflowId=${id}`);
  await expect(page.getByText("No runs match these filters")).toBeVisible();
  await api.call("POST", "/api/events", { name: "go", key: "2" });
});
