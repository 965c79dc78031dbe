import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../core/compile/compile";
import { type Csr, levelsReference } from "../core/compile/levels";
import { reachReference, scheduleReference } from "../core/optimise/kernels";
import { validateWorkflow } from "../core/workflow/validate";
import { randomWorkflow } from "../test/support/engine/random-workflows";
import { createOptimiser, type LevelsResult, type Optimiser } from "./optimiser";

// `npm test` builds the module first; by hand: npx asc --config wasm/asconfig.json --target release
const WASM = new URL("./build/optimiser.wasm", import.meta.url);

let optimiser: Optimiser;

beforeAll(async () => {
  optimiser = createOptimiser(await WebAssembly.compile(readFileSync(WASM)));
});

/** CSR form of an edge list over n nodes, edges kept in their given order per source. */
function csr(n: number, edges: readonly (readonly [number, number])[]): Csr {
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [from, to] of edges) out[from]!.push(to);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + out[i]!.length;
  return { offsets, targets: Int32Array.from(out.flat()) };
}

function chain(n: number): Csr {
  return csr(
    n,
    Array.from({ length: n - 1 }, (_, i) => [i, i + 1] as const),
  );
}

/** The optimiser's answer must be the reference's, and its order a topological order. */
function expectAgreesWithReference(graph: Csr, result: LevelsResult): void {
  const reference = levelsReference(graph);
  expect(Array.from(result.levels)).toEqual(Array.from(reference));
  const settled = reference.filter((l) => l >= 0).length;
  expect(result.acyclic).toBe(settled === reference.length);
  expect(result.order.length).toBe(settled);
  const position = new Map(Array.from(result.order, (node, i) => [node, i]));
  expect(position.size).toBe(settled);
  // Collected rather than asserted one by one: a graph has up to 1,200 edges.
  const wrong: string[] = [];
  for (const [node] of position) if (reference[node]! < 0) wrong.push(`${node} ordered`);
  const n = graph.offsets.length - 1;
  for (let u = 0; u < n; u++) {
    for (let e = graph.offsets[u]!; e < graph.offsets[u + 1]!; e++) {
      const v = graph.targets[e]!;
      const pu = position.get(u);
      const pv = position.get(v);
      if (pu !== undefined && pv !== undefined && pu >= pv) wrong.push(`${u} → ${v} out of order`);
      // A node downstream of a node on a cycle is itself unsettled.
      if (pu === undefined && pv !== undefined) wrong.push(`${v} ordered after unsettled ${u}`);
    }
  }
  expect(wrong).toEqual([]);
}

/** Random DAGs: edges from lower to higher rank, under a random numbering of the nodes. */
const dag = fc.integer({ min: 1, max: 300 }).chain((n) =>
  fc
    .record({
      rank: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n },
      ),
      pairs: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 4, size: "max" }),
    })
    .map(({ rank, pairs }) =>
      csr(
        n,
        pairs
          .filter(([a, b]) => a !== b)
          .map(([a, b]): readonly [number, number] =>
            a < b ? [rank[a]!, rank[b]!] : [rank[b]!, rank[a]!],
          ),
      ),
    ),
);

/** Any directed graph: duplicate edges, self loops and cycles included. */
const anyGraph = fc
  .integer({ min: 1, max: 300 })
  .chain((n) =>
    fc
      .array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 2, size: "max" })
      .map((edges) => csr(n, edges)),
  );

describe("wasm optimiser: levels", () => {
  it("levels a small graph", () => {
    const diamond = csr(4, [
      [0, 1],
      [0, 2],
      [1, 3],
      [2, 3],
    ]);
    const result = optimiser.levels(diamond);
    expect(Array.from(result.levels)).toEqual([0, 1, 1, 2]);
    expect(Array.from(result.order)).toEqual([0, 1, 2, 3]);
    expect(result.acyclic).toBe(true);
  });

  it("marks nodes on a cycle, and after one, with -1", () => {
    // 0 → 1 → 2 → 1, 2 → 3; 4 alone
    const result = optimiser.levels(
      csr(5, [
        [0, 1],
        [1, 2],
        [2, 1],
        [2, 3],
      ]),
    );
    expect(Array.from(result.levels)).toEqual([0, -1, -1, -1, 0]);
    expect(Array.from(result.order)).toEqual([0, 4]);
    expect(result.acyclic).toBe(false);
  });

  it("handles a graph with no nodes", () => {
    const result = optimiser.levels({ offsets: Int32Array.of(0), targets: new Int32Array(0) });
    expect(result.levels.length).toBe(0);
    expect(result.acyclic).toBe(true);
  });

  it("agrees with the reference on random DAGs up to 300 nodes", () => {
    fc.assert(
      fc.property(dag, (graph) => {
        const result = optimiser.levels(graph);
        expect(result.acyclic).toBe(true);
        expectAgreesWithReference(graph, result);
      }),
      { numRuns: 200 },
    );
  });

  it("agrees with the reference on random graphs with cycles up to 300 nodes", () => {
    fc.assert(
      fc.property(anyGraph, (graph) => {
        expectAgreesWithReference(graph, optimiser.levels(graph));
      }),
      { numRuns: 200 },
    );
  });

  it("grows its memory for a 20,000-node chain and still answers small graphs after", () => {
    const small = csr(3, [
      [0, 1],
      [1, 2],
    ]);
    expect(Array.from(optimiser.levels(small).levels)).toEqual([0, 1, 2]);

    const n = 20_000;
    const result = optimiser.levels(chain(n));
    expect(result.acyclic).toBe(true);
    expect(result.levels.length).toBe(n);
    expect(result.levels.every((level, i) => level === i)).toBe(true);
    expect(result.order.every((node, i) => node === i)).toBe(true);

    // Closing the chain into a ring leaves every node unsettled.
    const ring = csr(n, [
      ...Array.from({ length: n - 1 }, (_, i) => [i, i + 1] as const),
      [n - 1, 0],
    ]);
    const unsettled = optimiser.levels(ring);
    expect(unsettled.acyclic).toBe(false);
    expect(unsettled.order.length).toBe(0);
    expect(unsettled.levels.every((level) => level === -1)).toBe(true);

    expect(Array.from(optimiser.levels(small).levels)).toEqual([0, 1, 2]);
  });

  it("can stand in for the reference in the compiler", () => {
    const result = validateWorkflow(
      JSON.parse(readFileSync(new URL("../samples/hello.json", import.meta.url), "utf8")),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const withWasm = compile(result.definition, { kernels: optimiser.kernels });
    const { optimiser: wasmInfo, ...wasmIr } = withWasm;
    const { optimiser: tsInfo, ...tsIr } = compile(result.definition);
    expect(wasmInfo?.kernels).toBe("wasm");
    expect(tsInfo?.kernels).toBe("typescript");
    expect(wasmIr).toEqual(tsIr);
  });
});

/** Per-node costs as the optimiser makes them: mostly tiny, some large, some zero. */
const costs = (n: number) =>
  fc
    .array(
      fc.oneof(
        fc.constant(0),
        fc.constant(0.05),
        fc.double({ min: 0, max: 100_000, noNaN: true, noDefaultInfinity: true }),
      ),
      { minLength: n, maxLength: n },
    )
    .map((c) => Float64Array.from(c));

describe("wasm optimiser: critical path", () => {
  it("finds earliest starts and tails on a diamond", () => {
    // 0 → 1 (cost 10) → 3, 0 → 2 (cost 1) → 3
    const diamond = csr(4, [
      [0, 1],
      [0, 2],
      [1, 3],
      [2, 3],
    ]);
    const { earliest, tail } = optimiser.kernels.schedule(diamond, Float64Array.of(1, 10, 1, 2));
    expect(Array.from(earliest)).toEqual([0, 1, 1, 11]);
    expect(Array.from(tail)).toEqual([13, 12, 3, 2]);
  });

  it("agrees with the reference, bit for bit, on random DAGs and graphs with cycles", () => {
    const graphWithCosts = fc
      .oneof(dag, anyGraph)
      .chain((graph) => costs(graph.offsets.length - 1).map((cost) => ({ graph, cost })));
    fc.assert(
      fc.property(graphWithCosts, ({ graph, cost }) => {
        const wasm = optimiser.kernels.schedule(graph, cost);
        const reference = scheduleReference(graph, cost);
        expect(Array.from(wasm.earliest)).toEqual(Array.from(reference.earliest));
        expect(Array.from(wasm.tail)).toEqual(Array.from(reference.tail));
      }),
      { numRuns: 200 },
    );
  });
});

describe("wasm optimiser: reachability", () => {
  it("marks what the seeds reach, seeds included", () => {
    // 0 → 1 → 2, 3 → 2, 4 alone
    const graph = csr(5, [
      [0, 1],
      [1, 2],
      [3, 2],
    ]);
    expect(Array.from(optimiser.kernels.reach(graph, Int32Array.of(0)))).toEqual([1, 1, 1, 0, 0]);
    expect(Array.from(optimiser.kernels.reach(graph, Int32Array.of(4, 3)))).toEqual([
      0, 0, 1, 1, 1,
    ]);
    expect(Array.from(optimiser.kernels.reach(graph, new Int32Array(0)))).toEqual([0, 0, 0, 0, 0]);
  });

  it("agrees with the reference on random graphs and seed sets", () => {
    const graphWithSeeds = anyGraph.chain((graph) =>
      fc
        .array(fc.nat(graph.offsets.length - 2), { maxLength: 20 })
        .map((seeds) => ({ graph, seeds: Int32Array.from(seeds) })),
    );
    fc.assert(
      fc.property(graphWithSeeds, ({ graph, seeds }) => {
        expect(Array.from(optimiser.kernels.reach(graph, seeds))).toEqual(
          Array.from(reachReference(graph, seeds)),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe("wasm optimiser: the whole optimiser", () => {
  it("gives the same optimised IR as the TypeScript reference on random workflows", () => {
    fc.assert(
      fc.property(randomWorkflow, ({ definition }) => {
        const checked = validateWorkflow(definition);
        if (!checked.ok) return;
        const { optimiser: wasmInfo, ...wasm } = compile(checked.definition, {
          kernels: optimiser.kernels,
        });
        const { optimiser: tsInfo, ...reference } = compile(checked.definition);
        expect(wasmInfo?.kernels).toBe("wasm");
        expect(tsInfo?.kernels).toBe("typescript");
        expect(wasm).toEqual(reference);
      }),
      { numRuns: 300 },
    );
  });
});
