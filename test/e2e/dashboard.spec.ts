import type { Stats } from "../../web/src/api/types";
import { formatCost } from "../../web/src/runs/attempts";
import { formatDuration } from "../../web/src/ui/format";
import { poll } from "../support/poll";
import { type Api, docImage, expect, scriptModel, test } from "./fixtures";

/** Priced by the global setup ($1 input, $2 output per million tokens); only this spec uses it. */
const MODEL = "e2e-dashboard";
const USAGE = { prompt: 100, completion: 20 };

/**
 * start → fetch (503 once in the whole spec, then 200: one retry) → think (an agent) → work
 * (fails when the input says so) → ask (an approval) → done.
 */
const definition = (name: string, tag: string) => ({
  name,
  // A limit none of the five runs reaches: each is gated, starts at once, and counts in the queue.
  concurrency: { limit: 10 },
  nodes: [
    { id: "start", type: "start" },
    {
      id: "fetch",
      type: "http",
      config: { url: `${process.env.AOB_E2E_LLM}/flaky/1/${tag}`, mode: "queued" },
      retry: { maxAttempts: 3, backoff: "fixed", initialDelayMs: 10 },
    },
    { id: "think", type: "agent", config: { model: MODEL, prompt: "Think", tools: [] } },
    { id: "work", type: "transform", config: { expression: 'input.fail ? $error("boom") : "ok"' } },
    { id: "ask", type: "approval", config: { message: "ship it?" } },
    { id: "done", type: "end" },
  ],
  edges: [
    { from: "start", to: "fetch" },
    { from: "fetch", to: "think" },
    { from: "think", to: "work" },
    { from: "work", to: "ask" },
    { from: "ask", to: "done", on: "approved" },
  ],
});

type RunStatus = { status: string; nodes: { id: string; status: string }[] };

async function runTo(api: Api, runId: string, check: (r: RunStatus) => boolean, what: string) {
  return poll(what, () => api.call<RunStatus>("GET", `/api/runs/${runId}`), check, {
    timeoutMs: 30_000,
  });
}

const waitingAtAsk = (r: RunStatus) =>
  r.nodes.some((n) => n.id === "ask" && n.status === "waiting");

test("the dashboard shows a workflow's runs, durations, retries, failing nodes, tokens, cost and approvals as /api/stats gives them", async ({
  signedIn: page,
  api,
}, info) => {
  const tag = `dash-${Date.now()}`;
  const wf = await api.call<{ id: string }>(
    "POST",
    "/api/workflows",
    definition(`e2e dashboard ${tag}`, tag),
  );
  const idle = await api.call<{ id: string }>(
    "POST",
    "/api/workflows",
    definition(`e2e dashboard idle ${tag}`, `${tag}-idle`),
  );
  await scriptModel(
    MODEL,
    Array.from({ length: 5 }, () => ({ content: "thought", usage: USAGE })),
  );

  // Five runs: three approved (completed), one failed at `work`, one cancelled at its approval.
  const start = (input: unknown) =>
    api
      .call<{ runId: string }>("POST", `/api/workflows/${wf.id}/runs`, { input })
      .then((r) => r.runId);
  const approved = [await start({}), await start({}), await start({})];
  const failed = await start({ fail: true });
  const cancelled = await start({});
  for (const runId of [...approved, cancelled]) {
    await runTo(api, runId, waitingAtAsk, `run ${runId} waiting for its approval`);
  }
  for (const runId of approved) {
    await api.call("POST", `/api/runs/${runId}/approvals/ask`, { decision: "approve" });
  }
  await api.call("POST", `/api/runs/${cancelled}/cancel`, {});
  for (const [runId, status] of [
    ...approved.map((id) => [id, "completed"] as const),
    [failed, "failed"] as const,
    [cancelled, "cancelled"] as const,
  ]) {
    await runTo(api, runId, (r) => r.status === status, `run ${runId} ${status}`);
  }
  // The runs' ends reach D1 (what /api/stats reads) after they end.
  await poll(
    "the runs' ends in /api/stats",
    () => api.call<Stats>("GET", `/api/stats?workflow=${wf.id}&since=${Date.now() - 3_600_000}`),
    (s) => s.totals.completed === 3 && s.totals.failed === 1 && s.totals.cancelled === 1,
    { timeoutMs: 30_000 },
  );

  // The nav leads to the dashboard; the workflow and the range are picked with the controls.
  await page.goto("/workflows");
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Dashboard" })
    .click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await page.getByLabel("Workflow", { exact: true }).selectOption(wf.id);
  await page.getByRole("button", { name: "1h" }).click();
  await expect(page).toHaveURL(new RegExp(`/dashboard\\?workflow=${wf.id}&range=1h$`));
  await expect(page.getByRole("button", { name: "1h" })).toHaveAttribute("aria-pressed", "true");

  // What the API answers for the very window the page shows.
  const shown = page.getByTestId("dashboard-window");
  const since = await shown.getAttribute("data-since");
  const until_ = await shown.getAttribute("data-until");
  expect(Number(until_) - Number(since)).toBe(3_600_000);
  const stats = await api.call<Stats>(
    "GET",
    `/api/stats?workflow=${wf.id}&since=${since}&until=${until_}`,
  );
  await expect(shown).toContainText(`in buckets of ${stats.bucket}`);

  // Runs over time: a titled chart whose totals are the API's and the runs seeded.
  const runs = page.getByRole("region", { name: "Runs over time" });
  await expect(runs.getByRole("img", { name: /Runs over time/ })).toBeVisible();
  await expect(runs.locator("canvas").first()).toBeVisible();
  const total = (chart: string, label: string) =>
    page.getByTestId(`${chart}-total-${label}`).locator("dd");
  expect(stats.totals).toMatchObject({ started: 5, completed: 3, failed: 1, cancelled: 1 });
  for (const key of ["started", "completed", "failed", "cancelled"] as const) {
    await expect(total("chart-runs", key)).toHaveText(String(stats.totals[key]));
  }

  // Durations: each figure is the API's, as text and exactly (data-value).
  const figure = (id: string) => page.getByTestId(id).locator("dd");
  expect(stats.durations.runs).toBe(5);
  await expect(figure("dur-runs")).toHaveText("5");
  for (const [id, value] of [
    ["dur-p50", stats.durations.p50Ms],
    ["dur-p95", stats.durations.p95Ms],
    ["dur-p99", stats.durations.p99Ms],
    ["dur-mean", stats.durations.meanMs],
    ["dur-max", stats.durations.maxMs],
  ] as const) {
    expect(value).not.toBeNull();
    await expect(figure(id)).toHaveAttribute("data-value", String(value));
    await expect(figure(id)).toHaveText(formatDuration(value ?? undefined));
  }

  // Node attempts: one retry (fetch's 503, which then succeeded: not a failure), one failure
  // (work, listed with its workflow and kind).
  expect(stats.nodes).toMatchObject({ retries: 1, failures: 1 });
  for (const [id, value] of [
    ["nodes-attempts", stats.nodes.attempts],
    ["nodes-executions", stats.nodes.executions],
    ["nodes-retries", stats.nodes.retries],
    ["nodes-failures", stats.nodes.failures],
  ] as const) {
    await expect(figure(id)).toHaveText(String(value));
  }
  const failing = page.getByTestId("failing-nodes").locator('tr[data-node="work"]');
  await expect(failing).toContainText(`e2e dashboard ${tag}`);
  await expect(failing).toContainText("transform");
  await expect(failing.locator('[data-col="failures"]')).toHaveText("1");
  const slowest = page.getByTestId("slowest-nodes").locator("tbody tr");
  await expect(slowest).toHaveCount(stats.nodes.slowest.length);
  const top = stats.nodes.slowest[0]!;
  await expect(slowest.first()).toHaveAttribute("data-node", top.nodeId);
  await expect(slowest.first().locator('[data-col="p95"]')).toHaveText(
    formatDuration(top.p95Ms ?? undefined),
  );

  // Tokens and cost by model: five calls of 100 + 20 tokens, priced.
  const tokens = 5 * (USAGE.prompt + USAGE.completion);
  expect(stats.totals.tokens).toBe(tokens);
  await expect(total("chart-tokens", MODEL)).toHaveText(tokens.toLocaleString("en-US"));
  await expect(total("chart-cost", MODEL)).toHaveText(formatCost(stats.totals.costUsd));
  const model = page.getByTestId("models-table").locator(`tr[data-model="${MODEL}"]`);
  await expect(model).toContainText(formatCost(stats.models[0]!.costUsd));
  await expect(model.locator("td").nth(1)).toHaveText("5");
  await expect(
    page.getByTestId("workflows-table").locator(`tr[data-workflow="${wf.id}"]`),
  ).toContainText(tokens.toLocaleString("en-US"));

  // Approvals: three approved, each with its time to decision.
  expect(stats.approvals.approved).toBe(3);
  await expect(figure("appr-approved")).toHaveText("3");
  await expect(figure("appr-pending")).toHaveText(String(stats.approvals.pending));
  await expect(figure("appr-p50")).toHaveAttribute("data-value", String(stats.approvals.p50Ms));

  // The queue: nothing waits now; the five gated runs began (their waits as the API has them).
  expect(stats.queue).toMatchObject({ queued: 0, started: 5 });
  await expect(figure("queue-queued")).toHaveText("0");
  await expect(figure("queue-started")).toHaveText("5");
  await expect(figure("queue-p95")).toHaveAttribute("data-value", String(stats.queue.p95Ms));

  // Nothing was capped; the runs chart reads as a table too, from the keyboard.
  await expect(page.getByRole("note").filter({ hasText: "Capped" })).toHaveCount(0);
  // The page scrolls inside the app's frame: a tall window shows all of it in the picture.
  await page.setViewportSize({ width: 1280, height: 1340 });
  await page.screenshot({ path: docImage(info, "dashboard.png") });
  const toggle = runs.getByRole("button", { name: "Show as table" });
  await toggle.focus();
  await page.keyboard.press("Enter");
  const rows = runs.getByRole("table").locator("tbody tr");
  const busy = stats.series.filter((p) => p.started + p.completed + p.failed + p.cancelled > 0);
  await expect(rows).toHaveCount(busy.length);
  const sumColumn = async (col: number) => {
    let sum = 0;
    for (const text of await rows.locator(`td:nth-child(${col})`).allTextContents()) {
      sum += Number(text);
    }
    return sum;
  };
  expect(await sumColumn(2)).toBe(5);
  expect(await sumColumn(4)).toBe(1);
  await expect(runs.getByRole("button", { name: "Show as chart" })).toHaveAttribute(
    "aria-pressed",
    "true",
  );

  // A workflow with no runs in the window says so.
  await page.getByLabel("Workflow", { exact: true }).selectOption(idle.id);
  await expect(page.getByText("No runs in this window")).toBeVisible();

  // A bucket too small for the range: the API's refusal is shown, not an empty chart.
  await page.getByRole("button", { name: "30d" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/range=30d/);
  await page.getByLabel("Bucket").selectOption("1m");
  await expect(page.getByRole("alert")).toContainText("Cannot read the figures");
  await expect(page.getByRole("alert")).toContainText(
    /1m makes \d+ buckets of this window; at most 1000/,
  );
});
