import { type CompileOptions, compile } from "../core/compile/compile";
import type { IR } from "../core/compile/ir";
import type { LevelsFn } from "../core/compile/levels";
import type { GraphKernels } from "../core/optimise/kernels";
import type { WorkflowDefinition } from "../core/workflow/definition";
import optimiserModule from "../wasm/build/optimiser.wasm";
import { createOptimiser, type Optimiser } from "../wasm/optimiser";

let instance: Optimiser | null = null;

function optimiser(): Optimiser {
  instance ??= createOptimiser(optimiserModule);
  return instance;
}

/** The WebAssembly optimiser's kernels, instantiated once per isolate. */
export function wasmKernels(): GraphKernels {
  return optimiser().kernels;
}

/** The WebAssembly levels kernel alone (older callers of `compile`). */
export const wasmLevels: LevelsFn = (graph) => optimiser().levels(graph).levels;

/**
 * Compiles and optimises a validated definition with the WebAssembly kernels: what every compile
 * in the Worker uses, a run's start and the recompile of a patched graph alike.
 * @example
 * const ir = compileWorkflow(checked.definition);
 */
export function compileWorkflow(
  def: WorkflowDefinition,
  options: Omit<CompileOptions, "kernels" | "levels"> = {},
): IR {
  return compile(def, { ...options, kernels: wasmKernels() });
}
