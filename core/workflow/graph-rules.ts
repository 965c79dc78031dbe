import { KINDS, type KindRegistry } from "../kinds/registry";
import { ERROR_PORT, type WorkflowDefinition } from "./definition";
import type { ValidationIssue } from "./issues";

/**
 * The graph rules a definition (or a base plus patches) must keep: edges between existing
 * nodes on ports their kind offers, one start node, no cycle but through a `loop` edge that
 * points back, every node reachable from start.
 */
export function checkGraph(
  def: WorkflowDefinition,
  kinds: KindRegistry = KINDS,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const error = (path: (string | number)[], code: string, message: string) =>
    issues.push({ path, code, message, severity: "error" });

  const index = new Map<string, number>();
  def.nodes.forEach((n, i) => {
    if (index.has(n.id)) {
      error(["nodes", i, "id"], "duplicate_id", `node id "${n.id}" is used more than once`);
    } else {
      index.set(n.id, i);
    }
  });

  const starts = def.nodes.flatMap((n, i) => (kinds.get(n.type)?.traits.entry ? [i] : []));
  if (starts.length === 0) {
    error(["nodes"], "missing_start", 'a workflow needs exactly one node of type "start"');
  }
  for (const i of starts.slice(1)) {
    error(["nodes", i, "type"], "multiple_starts", "a workflow has exactly one start node");
  }

  const seen = new Set<string>();
  def.edges.forEach((e, j) => {
    const from = index.get(e.from);
    const to = index.get(e.to);
    if (from === undefined) {
      error(["edges", j, "from"], "unknown_node", `edge from "${e.from}": no node has that id`);
    }
    if (to === undefined) {
      error(["edges", j, "to"], "unknown_node", `edge to "${e.to}": no node has that id`);
    }
    if (to !== undefined && kinds.get(def.nodes[to]?.type ?? "")?.traits.entry) {
      error(["edges", j, "to"], "edge_into_start", "no edge may lead into the start node");
    }
    const key = `${e.from}\u0000${e.to}\u0000${e.on ?? ""}`;
    if (seen.has(key)) {
      error(["edges", j], "duplicate_edge", `edge ${e.from} → ${e.to} appears twice`);
    }
    seen.add(key);
    if (from === undefined) return;
    const source = def.nodes[from];
    const kind = source ? kinds.get(source.type) : undefined;
    if (!source || !kind) return;
    const parsed = kind.config.safeParse(source.config);
    if (!parsed.success) return; // the config error is reported on the node
    const ports = kind.ports(parsed.data);
    if (e.on === undefined) {
      if (ports.length > 1) {
        error(
          ["edges", j, "on"],
          "port_required",
          `edges leaving "${e.from}" (${source.type}) need \`on\`: one of ${[...ports, ERROR_PORT].join(", ")}`,
        );
      }
    } else if (e.on !== ERROR_PORT && (ports.length === 1 || !ports.includes(e.on))) {
      const offered = ports.length === 1 ? [ERROR_PORT] : [...ports, ERROR_PORT];
      error(
        ["edges", j, "on"],
        "unknown_port",
        `"${e.from}" (${source.type}) has no port "${e.on}"; it offers: ${offered.join(", ")}`,
      );
    }
  });
  if (issues.length > 0) return issues;

  issues.push(...checkCycles(def, index));
  issues.push(...checkReachable(def, index, starts[0]));
  return issues;
}

function checkCycles(def: WorkflowDefinition, index: Map<string, number>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const n = def.nodes.length;
  const out: { to: number; edge: number }[][] = Array.from({ length: n }, () => []);
  def.edges.forEach((e, j) => {
    if (!e.loop) out[index.get(e.from) ?? 0]?.push({ to: index.get(e.to) ?? 0, edge: j });
  });
  // Iterative DFS; an edge to a node on the stack closes a cycle.
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    const stack: { node: number; next: number }[] = [{ node: root, next: 0 }];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const edges = out[top.node]!;
      if (top.next >= edges.length) {
        state[top.node] = 2;
        stack.pop();
        continue;
      }
      const { to, edge } = edges[top.next++]!;
      if (state[to] === 1) {
        const e = def.edges[edge]!;
        issues.push({
          path: ["edges", edge],
          code: "cycle",
          message: `edge ${e.from} → ${e.to} closes a cycle; a back edge needs "loop": { "maxIterations": N }`,
          severity: "error",
        });
      } else if (state[to] === 0) {
        state[to] = 1;
        stack.push({ node: to, next: 0 });
      }
    }
  }
  if (issues.length > 0) return issues;

  // A loop edge must point back: its target reaches its source through forward edges.
  def.edges.forEach((e, j) => {
    if (!e.loop) return;
    const from = index.get(e.from)!;
    const to = index.get(e.to)!;
    if (!reaches(out, to, from)) {
      issues.push({
        path: ["edges", j, "loop"],
        code: "loop_not_back_edge",
        message: `loop edge ${e.from} → ${e.to} must point back to a node upstream of "${e.from}"`,
        severity: "error",
      });
    }
  });
  if (issues.length > 0) return issues;
  return bodyExitWarnings(def, index, out);
}

/**
 * An edge that leaves a loop's body from a node other than the one whose loop edge closes it:
 * its target is decided (run with that turn's output, or skipped) by the first turn that
 * reaches the edge's source, not after the loop. Allowed, but rarely meant.
 */
function bodyExitWarnings(
  def: WorkflowDefinition,
  index: Map<string, number>,
  out: { to: number }[][],
): ValidationIssue[] {
  const into: { from: number }[][] = def.nodes.map(() => []);
  out.forEach((edges, u) => {
    for (const { to } of edges) into[to]!.push({ from: u });
  });
  const walk = (first: number, next: (u: number) => number[]) => {
    const seen = new Set([first]);
    const todo = [first];
    while (todo.length > 0) {
      for (const v of next(todo.pop()!)) {
        if (!seen.has(v)) {
          seen.add(v);
          todo.push(v);
        }
      }
    }
    return seen;
  };
  const issues: ValidationIssue[] = [];
  def.edges.forEach((loop) => {
    if (!loop.loop) return;
    const closer = index.get(loop.from)!;
    const down = walk(index.get(loop.to)!, (u) => out[u]!.map((e) => e.to));
    const up = walk(closer, (u) => into[u]!.map((e) => e.from));
    const body = (u: number) => down.has(u) && up.has(u);
    def.edges.forEach((e, j) => {
      const source = index.get(e.from)!;
      if (e.loop || source === closer || !body(source) || body(index.get(e.to)!)) return;
      issues.push({
        path: ["edges", j],
        code: "loop_body_exit",
        message: `edge ${e.from} → ${e.to} leaves the loop ${loop.from} → ${loop.to} from inside its body: "${e.to}" runs (or is skipped) on the first turn that reaches "${e.from}", not after the loop; to act on the loop's last turn, leave from "${loop.from}"`,
        severity: "warning",
      });
    });
  });
  return issues;
}

function reaches(out: { to: number }[][], from: number, target: number): boolean {
  const seen = new Set<number>([from]);
  const todo = [from];
  while (todo.length > 0) {
    const u = todo.pop()!;
    if (u === target) return true;
    for (const { to } of out[u] ?? []) {
      if (!seen.has(to)) {
        seen.add(to);
        todo.push(to);
      }
    }
  }
  return false;
}

function checkReachable(
  def: WorkflowDefinition,
  index: Map<string, number>,
  start: number | undefined,
): ValidationIssue[] {
  if (start === undefined) return [];
  const out: { to: number }[][] = def.nodes.map(() => []);
  for (const e of def.edges) out[index.get(e.from)!]?.push({ to: index.get(e.to)! });
  const seen = new Set<number>([start]);
  const todo = [start];
  while (todo.length > 0) {
    const u = todo.pop()!;
    for (const { to } of out[u] ?? []) {
      if (!seen.has(to)) {
        seen.add(to);
        todo.push(to);
      }
    }
  }
  return def.nodes.flatMap((n, i) =>
    seen.has(i)
      ? []
      : [
          {
            path: ["nodes", i],
            code: "unreachable",
            message: `node "${n.id}" cannot be reached from the start node; connect it or remove it`,
            severity: "error" as const,
          },
        ],
  );
}
