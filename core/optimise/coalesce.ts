import { canonicalJson } from "../cas/hash";
import type { IR, IRNode } from "../compile/ir";
import type { PassContext } from "./context";

/**
 * **HTTP coalescer.** Contract:
 *
 * - An `http` node with method GET or HEAD and no body, not omitted and not in a loop, is an
 *   idempotent request: it is marked `coalesce` with its static request group (same method,
 *   URL, query, headers, response cap, failOnStatus and timeout, before templates are rendered).
 * - At run time (core/optimise/coalescer.ts, used by the RunObject) the key is the rendered
 *   request. While a request is in flight, a marked node whose rendered request is identical
 *   does not send its own: it gets the same response (success or failure; each node then
 *   retries on its own policy). Requests that do not overlap in time are not shared: a later GET
 *   may legitimately see a newer answer (polling, or a read after a write).
 * - The coalescer changes how many requests reach a server, never which distinct requests do:
 *   the set of (method, URL, headers) a run sends is unchanged.
 * - Loop nodes are left alone (a loop that polls must see each answer).
 * - A GET that is ordered with every other candidate (each is upstream or downstream of it, as
 *   in a chain) can never be in flight beside another one: it is not marked, so it takes the
 *   plain dispatch path with no lookup.
 * - Records one rewrite per static group of two or more nodes on the same parallel level (they
 *   are dispatched together, so they will share a request whenever their rendering agrees).
 */
export function coalesceHttp(ctx: PassContext): void {
  const { ir, kinds, loops } = ctx;
  const groups = new Map<string, IRNode[]>();
  const candidates = ir.nodes.filter((node) => {
    if (node.mode === "skip" || node.omit || loops.has(node.id)) return false;
    return kinds.get(node.type)?.traits.coalescable?.(node.config) === true;
  });
  const overlapping = mayOverlap(ir, candidates);
  for (const node of candidates) {
    if (!overlapping.has(node.id)) continue;
    const config = node.config as Record<string, unknown>;
    const method = String(config.method ?? "GET").toUpperCase();
    const group = staticGroup(config, method, node.timeoutMs);
    node.coalesce = group;
    const key = `${node.level}:${group}`;
    const members = groups.get(key) ?? [];
    members.push(node);
    groups.set(key, members);
  }
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const url = String((members[0]!.config as { url?: unknown }).url);
    ctx.record({
      pass: "coalesce_http",
      nodes: members.map((n) => n.id),
      reason: `${members.length} identical GETs of ${url} run together: they share one request`,
      detail: { group: members[0]!.coalesce, requestsSaved: members.length - 1 },
    });
  }
}

/** A short, stable id for a request's static parts (FNV-1a, 52 bits: grouping, not security). */
function staticGroup(config: Record<string, unknown>, method: string, timeoutMs: number): string {
  const text = canonicalJson({
    method,
    url: config.url,
    query: config.query ?? null,
    headers: config.headers ?? null,
    maxResponseBytes: config.maxResponseBytes ?? null,
    failOnStatus: config.failOnStatus ?? true,
    timeoutMs,
  });
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `g${h1.toString(16).padStart(8, "0")}${(h2 & 0xfffff).toString(16).padStart(5, "0")}`;
}

/**
 * The candidates that have at least one other candidate neither upstream nor downstream of
 * them (forward edges): only those can be in flight at the same time as another GET. Bitsets of
 * candidate ancestors and descendants, filled in topological order: O(edges × candidates / 32).
 */
function mayOverlap(ir: IR, candidates: IRNode[]): Set<string> {
  const k = candidates.length;
  if (k < 2) return new Set();
  const slot = new Map(candidates.map((n, i) => [n.index, i]));
  const words = Math.ceil(k / 32);
  const n = ir.nodes.length;
  const down = Array.from({ length: n }, () => new Uint32Array(words));
  const up = Array.from({ length: n }, () => new Uint32Array(words));
  const succ: number[][] = Array.from({ length: n }, () => []);
  const indegree = new Int32Array(n);
  for (const e of ir.edges) {
    if (e.loop !== null) continue;
    const from = ir.byId[e.from]!;
    const to = ir.byId[e.to]!;
    succ[from]!.push(to);
    indegree[to]!++;
  }
  const order: number[] = [];
  const todo: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) todo.push(i);
  while (todo.length > 0) {
    const i = todo.pop()!;
    order.push(i);
    for (const j of succ[i]!) if (--indegree[j]! === 0) todo.push(j);
  }
  const set = (bits: Uint32Array, b: number) => {
    bits[b >>> 5]! |= 1 << (b & 31);
  };
  const or = (into: Uint32Array, from: Uint32Array) => {
    for (let w = 0; w < words; w++) into[w]! |= from[w]!;
  };
  for (const i of order) {
    for (const j of succ[i]!) {
      or(up[j]!, up[i]!);
      const b = slot.get(i);
      if (b !== undefined) set(up[j]!, b);
    }
  }
  for (let o = order.length - 1; o >= 0; o--) {
    const i = order[o]!;
    for (const j of succ[i]!) {
      or(down[i]!, down[j]!);
      const b = slot.get(j);
      if (b !== undefined) set(down[i]!, b);
    }
  }
  const out = new Set<string>();
  for (const node of candidates) {
    let related = 1; // itself
    const d = down[node.index]!;
    const u = up[node.index]!;
    for (let w = 0; w < words; w++) related += popcount(d[w]! | u[w]!);
    if (related < k) out.add(node.id);
  }
  return out;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
