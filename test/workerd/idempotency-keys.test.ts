import { describe, expect, inject, it } from "vitest";
import { poll } from "../support/poll";
import { api, createWorkflow, elapse, startRun, waitForRun } from "./helpers";

/*
 * The Idempotency-Key an http node sends (core/net/idempotency-key.ts), as the target receives
 * it: one per attempt by default, repeated by a re-sent delivery; one per node when asked; none
 * when off; the workflow's own header as written. The fixture records each request's key.
 */

const fixture = inject("fixtureUrl");

async function keysOf(name: string): Promise<(string | null)[]> {
  const res = await fetch(`${fixture}/keys/${name}`);
  return ((await res.json()) as { keys: (string | null)[] }).keys;
}

const retry = { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 };

describe("Idempotency-Key", () => {
  it("is the same on a lease re-send of one attempt", async () => {
    const tag = `idem-lease-${crypto.randomUUID()}`;
    const id = await createWorkflow({
      name: "idempotency lease",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "pay",
          type: "http",
          config: { method: "POST", url: `${fixture}/keyed/${tag}?ms=300`, mode: "queued" },
          timeoutMs: 5000,
        },
      ],
      edges: [{ from: "start", to: "pay" }],
    });
    const runId = await startRun(id);
    // The lease expires while the first delivery is in flight: the job is sent again.
    expect(await elapse(runId)).toBe(true);
    expect((await waitForRun(runId)).status).toBe("completed");
    const keys = await poll(
      "both deliveries to reach the server",
      () => keysOf(tag),
      (k) => k.length >= 2,
    );
    expect(keys).toEqual([`aob:${runId}:pay:a1`, `aob:${runId}:pay:a1`]);
  });

  it("is new for a retry, the same across retries per node, absent when off, the workflow's own when set", async () => {
    const tag = `idem-${crypto.randomUUID()}`;
    const call = (name: string, extra: Record<string, unknown> = {}, mode = "queued") => ({
      id: name,
      type: "http",
      config: { method: "POST", url: `${fixture}/keyed/${tag}-${name}?fail=1`, mode, ...extra },
      retry,
    });
    const id = await createWorkflow({
      name: "idempotency keys",
      nodes: [
        { id: "start", type: "start" },
        call("attempt"),
        call("node", { idempotencyKey: "node" }),
        call("off", { idempotencyKey: "off" }),
        call("own", { headers: { "Idempotency-Key": "order-42" } }),
        call("inline", {}, "inline"),
        {
          id: "items",
          type: "map",
          config: {
            items: "[10, 20]",
            node: {
              type: "http",
              config: { url: `${fixture}/keyed/${tag}-items-{{ index }}?fail=1`, mode: "queued" },
              retry,
            },
          },
        },
      ],
      edges: ["attempt", "node", "off", "own", "inline", "items"].map((to) => ({
        from: "start",
        to,
      })),
    });
    const runId = await startRun(id);
    expect((await waitForRun(runId)).status).toBe("completed");
    const key = (rest: string) => `aob:${runId}:${rest}`;
    expect(await keysOf(`${tag}-attempt`)).toEqual([key("attempt:a1"), key("attempt:a2")]);
    expect(await keysOf(`${tag}-node`)).toEqual([key("node:i0"), key("node:i0")]);
    expect(await keysOf(`${tag}-off`)).toEqual([null, null]);
    expect(await keysOf(`${tag}-own`)).toEqual(["order-42", "order-42"]);
    expect(await keysOf(`${tag}-inline`)).toEqual([key("inline:a1"), key("inline:a2")]);
    expect(await keysOf(`${tag}-items-1`)).toEqual([key("items:a1:m1:a1"), key("items:a1:m1:a2")]);
  });

  it("refuses a setting it does not know, naming where", async () => {
    const res = await api("POST", "/api/workflows", {
      name: "idempotency bad",
      nodes: [
        { id: "start", type: "start" },
        { id: "pay", type: "http", config: { url: `${fixture}/echo/x`, idempotencyKey: "always" } },
      ],
      edges: [{ from: "start", to: "pay" }],
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/idempotencyKey/);
  });
});
