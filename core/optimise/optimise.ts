import type { IR, PassName } from "../compile/ir";
import { KINDS, type KindRegistry } from "../kinds/registry";
import { absorbConditions } from "./absorb";
import { cacheKeys } from "./cache-keys";
import { coalesceHttp } from "./coalesce";
import type { PassTable } from "./context";
import { eliminateDead } from "./eliminate";
import { fuseTransforms } from "./fuse";
import { loopNodes } from "./graph";
import { type GraphKernels, referenceKernels } from "./kernels";
import { schedule } from "./schedule";

/** Every pass, in the order they run: each relies on the marks of those before it. */
export const PASSES: readonly PassName[] = [
  "absorb_conditions",
  "eliminate_dead",
  "fuse_transforms",
  "coalesce_http",
  "cache_keys",
  "schedule",
];

const TABLE: PassTable = {
  absorb_conditions: absorbConditions,
  eliminate_dead: eliminateDead,
  fuse_transforms: fuseTransforms,
  coalesce_http: coalesceHttp,
  cache_keys: cacheKeys,
  schedule,
};

export interface OptimiseOptions {
  /** Graph kernels: the WebAssembly module in workerd, the TypeScript reference by default. */
  kernels?: GraphKernels;
  /** Passes to run (always in {@link PASSES} order); all by default. */
  passes?: readonly PassName[];
  /** The kinds whose traits the passes read; the platform's by default. */
  kinds?: KindRegistry;
}

/**
 * Runs the optimiser's passes over a freshly compiled IR, in place, and returns it. Each pass
 * annotates nodes (docs/OPTIMISER.md has every contract) and appends to `ir.rewrites` what it
 * changed and why. Deterministic: the same IR and passes give the same result with either
 * kernels.
 * @example
 * const ir = optimise(compile(def, { optimise: false }), { kernels: wasmKernels });
 * ir.rewrites; // [{ pass: "fuse_transforms", nodes: ["a", "b"], reason: "..." }, ...]
 */
export function optimise(ir: IR, options: OptimiseOptions = {}): IR {
  const kernels = options.kernels ?? referenceKernels;
  const wanted = new Set(options.passes ?? PASSES);
  const passes = PASSES.filter((p) => wanted.has(p));
  const ctx = {
    ir,
    kernels,
    kinds: options.kinds ?? KINDS,
    loops: loopNodes(ir),
    record: (rewrite: IR["rewrites"][number]) => {
      ir.rewrites.push(rewrite);
    },
  };
  for (const pass of passes) TABLE[pass](ctx);
  ir.optimiser = { kernels: kernels.name, passes };
  return ir;
}
