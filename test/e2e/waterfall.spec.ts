import type { RunEvent } from "../../core/wire/frames";
import { docImage, expect, test } from "./fixtures";

test("the waterfall shows a retried node's two attempts with the backoff between, and a delay at its length", async ({
  signedIn: page,
  api,
}, info) => {
  const tag = `waterfall-${Date.now()}`;
  const { id } = await api.call<{ id: string }>("POST", "/api/workflows", {
    name: `e2e waterfall ${tag}`,
    nodes: [
      { id: "start", type: "start" },
      {
        // Answers 503 once, then 200: one retry, after a fixed 300 ms.
        id: "fetch",
        type: "http",
        config: { url: `${process.env.AOB_E2E_LLM}/flaky/1/${tag}`, mode: "queued" },
        retry: { maxAttempts: 3, backoff: "fixed", initialDelayMs: 300 },
      },
      { id: "pause", type: "delay", config: { seconds: 1 } },
      { id: "done", type: "end", config: { output: { ok: true } } },
    ],
    edges: [
      { from: "start", to: "fetch" },
      { from: "fetch", to: "pause" },
      { from: "pause", to: "done" },
    ],
  });
  const { runId } = await api.call<{ runId: string }>("POST", `/api/workflows/${id}/runs`, {});

  // Opened while the run goes on: the waterfall follows it from the run's socket.
  await page.goto(`/runs/${runId}`);
  await page.getByRole("button", { name: "Waterfall" }).click();
  const fetch = page.getByTestId("waterfall-row-fetch");
  await expect(fetch.locator(".wfl-bar")).toHaveCount(2);
  await expect(fetch.locator('.wfl-bar[data-attempt="1"]')).toHaveAttribute(
    "data-status",
    "retrying",
  );
  await expect(fetch.locator('.wfl-bar[data-attempt="2"]')).toHaveAttribute(
    "data-status",
    "succeeded",
  );
  await expect(fetch.locator(".wfl-gap")).toHaveCount(1);
  await expect(page.getByTestId("run-status")).toContainText("completed");
  const pause = page.getByTestId("waterfall-row-pause").locator(".wfl-bar");
  await expect(pause).toHaveAttribute("data-status", "succeeded");
  await expect(pause).toHaveAttribute("aria-label", /took 1\.\d s · waited .* for a delay/);

  // The delay's bar spans its share of the run: its time over the run's, from the event log.
  const { events } = await api.call<{ events: RunEvent[] }>(
    "GET",
    `/api/runs/${runId}/events?limit=1000`,
  );
  const at = (type: string, nodeId?: string) =>
    events.find((e) => e.type === type && e.nodeId === nodeId)!.at;
  const share =
    (at("node_succeeded", "pause") - at("node_started", "pause")) /
    (at("run_completed") - events[0]!.at);
  const track = (await page
    .getByTestId("waterfall-row-pause")
    .locator(".wfl-track")
    .boundingBox())!;
  const bar = (await pause.boundingBox())!;
  expect(Math.abs(bar.width / track.width - share)).toBeLessThan(0.02);
  expect(share).toBeGreaterThan(0.1);

  // Hovering a bar says what it was; choosing it selects the node in the side panel.
  await fetch.locator('.wfl-bar[data-attempt="1"]').hover();
  await expect(page.getByRole("tooltip")).toContainText("fetch, attempt 1: retrying");
  await expect(page.getByRole("tooltip")).toContainText(/started \+[\d.]+ m?s/);
  await page.screenshot({ path: docImage(info, "run-waterfall.png") });
  await fetch.locator('.wfl-bar[data-attempt="2"]').click();
  await expect(page.getByTestId("node-panel")).toContainText("fetch");
  await expect(page.getByTestId("waterfall-row-fetch")).toHaveClass(/wfl-row-selected/);
  // The keyboard moves from row to row.
  await fetch.locator('.wfl-bar[data-attempt="2"]').focus();
  await page.keyboard.press("ArrowDown");
  await expect(pause).toBeFocused();
});
