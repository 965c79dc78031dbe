import { inject } from "vitest";
import { api } from "./helpers";

/*
 * Flow control's test workflows and readings (docs/FLOW-CONTROL.md), shared by the
 * flow-control*.test.ts files. Each file is its own runtime: the 100-run scenarios stay apart.
 */

const fixture = inject("fixtureUrl");

/** A start's answer: running at once, or queued with its place. */
export interface Started {
  runId: string;
  status: "running" | "queued";
  queue?: { position: number; key: string | null };
}

export interface Event {
  seq: number;
  type: string;
  at: number;
  data?: Record<string, unknown>;
}

/** What the fixture server saw under a name: requests in all, open now, most open at once. */
export interface Held {
  total: number;
  open: number;
  most: number;
}

/** start → call (holds a request open on the fixture server for `ms`) → done. */
export function holding(
  name: string,
  hold: string,
  ms: number,
  concurrency: Record<string, unknown>,
) {
  return {
    name,
    concurrency,
    nodes: [
      { id: "start", type: "start" },
      {
        id: "call",
        type: "http",
        config: { method: "GET", url: `${fixture}/hold/${ms}/${hold}` },
      },
      { id: "done", type: "end", config: { output: "{{ input }}" } },
    ],
    edges: [
      { from: "start", to: "call" },
      { from: "call", to: "done" },
    ],
  };
}

export const start = (workflowId: string, input: unknown) =>
  api<Started>("POST", `/api/workflows/${workflowId}/runs`, { input });

export const held = async (name: string) =>
  (await (await fetch(`${fixture}/held/${name}`)).json()) as Held;

export const eventsOf = async (runId: string) =>
  (await api<{ events: Event[] }>("GET", `/api/runs/${runId}/events`)).body.events;
