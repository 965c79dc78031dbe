import type { WorkflowDefinitionInput } from "../core/workflow/definition";

export type HttpMode = "queued" | "inline";

/** `t0001` … : ids that sort in chain order and satisfy the node id rule. */
export const nodeId = (prefix: string, i: number) => `${prefix}${String(i + 1).padStart(4, "0")}`;

function link(ids: string[]): { from: string; to: string }[] {
  return ids.slice(1).map((to, i) => ({ from: ids[i]!, to }));
}

/** start → t0001 → … → tN → end: N transforms that each evaluate a constant. */
export function transformChain(n: number): WorkflowDefinitionInput {
  const ids = Array.from({ length: n }, (_, i) => nodeId("t", i));
  return {
    name: `bench-chain-${n}`,
    nodes: [
      { id: "start", type: "start" },
      ...ids.map((id) => ({ id, type: "transform", config: { expression: "1" } })),
      { id: "end", type: "end" },
    ],
    edges: link(["start", ...ids, "end"]),
  };
}

/** start → h0001 … hN (all at once) → join → end. */
export function httpFanout(n: number, url: string, mode: HttpMode): WorkflowDefinitionInput {
  const ids = Array.from({ length: n }, (_, i) => nodeId("h", i));
  return {
    name: `bench-fanout-${n}-${mode}`,
    nodes: [
      { id: "start", type: "start" },
      // One URL per node: identical GETs in flight together would share one request (the
      // optimiser's coalescer), and this fan-out measures 500 requests.
      ...ids.map((id, i) => ({
        id,
        type: "http",
        config: { method: "GET", url: `${url}${url.includes("?") ? "&" : "?"}i=${i}`, mode },
      })),
      { id: "join", type: "join" },
      { id: "end", type: "end" },
    ],
    edges: [
      ...ids.map((id) => ({ from: "start", to: id })),
      ...ids.map((id) => ({ from: id, to: "join" })),
      { from: "join", to: "end" },
    ],
  };
}

/** The tenant secret the `-secret` chains send in a header (rounds.ts sets it). */
export const BENCH_SECRET = "BENCH_KEY";

/**
 * start → h0001 → … → hN → end: N http calls one after the other; with `secret`, each sends
 * `x-api-key: {{ secrets.BENCH_KEY }}` (the cost of resolving, binding and redacting it).
 */
export function httpChain(
  n: number,
  url: string,
  mode: HttpMode,
  secret = false,
): WorkflowDefinitionInput {
  const ids = Array.from({ length: n }, (_, i) => nodeId("h", i));
  const headers = secret ? { headers: { "x-api-key": `{{ secrets.${BENCH_SECRET} }}` } } : {};
  return {
    name: `bench-http-chain-${n}-${mode}${secret ? "-secret" : ""}`,
    nodes: [
      { id: "start", type: "start" },
      ...ids.map((id) => ({ id, type: "http", config: { method: "GET", url, mode, ...headers } })),
      { id: "end", type: "end" },
    ],
    edges: link(["start", ...ids, "end"]),
  };
}

/**
 * The same workflow behind a `delay` node: start → wait (`seconds`) → what followed start. The
 * WebSocket bench uses the pause to attach every client before the run emits its stream.
 */
export function delayed(def: WorkflowDefinitionInput, seconds: number): WorkflowDefinitionInput {
  const edges = def.edges ?? [];
  return {
    ...def,
    name: `${def.name}-after-${seconds}s`,
    nodes: [...def.nodes, { id: "wait", type: "delay", config: { seconds } }],
    edges: [
      { from: "start", to: "wait" },
      ...edges.map((e) => (e.from === "start" ? { ...e, from: "wait" } : e)),
    ],
  };
}

/**
 * start → fetch → size → end: one http GET of `url` (a JSON body), then a transform that reads
 * one field of it. `retry: { maxAttempts: 1 }`: a body too large fails the same way each time,
 * and retries would only add their backoff to the wall (the Workflows twin does not retry either).
 */
/**
 * One field of the response: the object still reads the whole output to evaluate it (a JSON
 * body up to 16 MiB is parsed; a larger one is a blob marker). Not `$length(body.data)`: JSONata
 * counts a string's characters through an array of them, which measured 16 s and +229 MiB at
 * 10 MiB, the expression's cost rather than the payload's.
 */
export const PAYLOAD_SIZE_EXPRESSION = "$number(nodes.fetch.output.headers.`content-length`)";

export function payloadPipeline(
  url: string,
  mode: HttpMode,
  maxResponseBytes: number,
): WorkflowDefinitionInput {
  return {
    name: `bench-payload-${mode}`,
    nodes: [
      { id: "start", type: "start" },
      {
        id: "fetch",
        type: "http",
        retry: { maxAttempts: 1 },
        // 50 MiB through the local R2 on a loaded machine can take longer than the default 30 s.
        timeoutMs: 120_000,
        config: { method: "GET", url, mode, maxResponseBytes },
      },
      {
        id: "size",
        type: "transform",
        config: { expression: PAYLOAD_SIZE_EXPRESSION },
      },
      { id: "end", type: "end" },
    ],
    edges: link(["start", "fetch", "size", "end"]),
  };
}
