import type { LevelsFn } from "../../core/compile/levels";
import optimiserModule from "../../wasm/build/optimiser.wasm";
import { createOptimiser, type Optimiser } from "../../wasm/optimiser";

let instance: Optimiser | null = null;

/** The WebAssembly optimiser's levels pass, instantiated once per isolate. */
export const wasmLevels: LevelsFn = (graph) => {
  instance ??= createOptimiser(optimiserModule);
  return instance.levels(graph).levels;
};
