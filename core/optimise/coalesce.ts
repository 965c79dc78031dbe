import { canonicalJson } from "../cas/hash";
import type { IRNode } from "../compile/ir";
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
 * - Records one rewrite per static group of two or more nodes on the same parallel level (they
 *   are dispatched together, so they will share a request whenever their rendering agrees).
 */
export function coalesceHttp(ctx: PassContext): void {
  const { ir, loops } = ctx;
  const groups = new Map<string, IRNode[]>();
  for (const node of ir.nodes) {
    if (node.type !== "http" || node.mode === "skip" || node.omit || loops.has(node.id)) continue;
    const config = node.config as Record<string, unknown>;
    const method = String(config.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") continue;
    if (config.body !== undefined && config.body !== null) continue;
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
