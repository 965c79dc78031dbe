import type { LevelsFn } from "../../core/compile/levels";
import { createOptimiser, type Optimiser } from "../../wasm/optimiser";
import optimiserModule from "../../wasm/build/optimiser.wasm";

let instance: Optimiser | null = null;

/** The WebAssembly optimiser's levels pass, instantiated once per isolate. */
export const wasmLevels: LevelsFn = (graph) => {
  instance ??= createOptimiser(optimiserModule);
  return instance.levels(graph).levels;
};
