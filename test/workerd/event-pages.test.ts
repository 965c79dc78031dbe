import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../core/wire/frames";
import { api, createWorkflow, startRun, waitForRun } from "./helpers";

type Page = { events: RunEvent[]; next: number | null };

async function page(runId: string, query: string) {
  return api<Page>("GET", `/api/runs/${runId}/events?${query}`);
}

describe("the event log, page by page", () => {
  it("pages through the whole log with `next`, gapless, and keeps one node's events", async () => {
    const id = await createWorkflow({
      name: "pages",
      nodes: [
        { id: "start", type: "start" },
        { id: "a", type: "transform", config: { expression: "1" } },
        { id: "b", type: "transform", config: { expression: "2" } },
        { id: "c", type: "transform", config: { expression: "3" } },
      ],
      edges: [
        { from: "start", to: "a" },
        { from: "start", to: "b" },
        { from: "start", to: "c" },
      ],
    });
    const runId = await startRun(id);
    await waitForRun(runId);
    const all = (await page(runId, "")).body;
    expect(all.next).toBeNull();
    expect(all.events.length).toBeGreaterThan(6);

    const seen: RunEvent[] = [];
    let after: number | null = 0;
    let calls = 0;
    while (after !== null) {
      const res = await page(runId, `after=${after}&limit=4`);
      expect(res.status).toBe(200);
      expect(res.body.events.length).toBeLessThanOrEqual(4);
      seen.push(...res.body.events);
      after = res.body.next;
      if (after !== null) expect(after).toBe(res.body.events.at(-1)?.seq);
      calls += 1;
    }
    expect(seen).toEqual(all.events);
    expect(calls).toBe(Math.ceil(all.events.length / 4));

    const b = (await page(runId, "nodeId=b")).body;
    expect(b.events.length).toBeGreaterThan(0);
    expect(b.events.every((e) => e.nodeId === "b")).toBe(true);
    expect(b.events).toEqual(all.events.filter((e) => e.nodeId === "b"));
  });

  it("refuses a page over the cap with the parameter named", async () => {
    const id = await createWorkflow({
      name: "cap",
      nodes: [{ id: "start", type: "start" }],
      edges: [],
    });
    const runId = await startRun(id);
    const res = await page(runId, "limit=5001");
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("limit");
  });
});
