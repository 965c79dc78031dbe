import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_LIMITS, parseRunLimits } from "./limits";

describe("parseRunLimits (AOB_RUN_LIMITS)", () => {
  it("defaults: 5 agents, 20 patches, 50 proposals, 25000 nodes per run (as documented)", () => {
    expect(parseRunLimits(undefined)).toEqual({
      agentsPerRun: 5,
      patchesPerRun: 20,
      proposalsPerRun: 50,
      nodesPerRun: 25000,
    });
    expect(parseRunLimits("")).toBe(DEFAULT_RUN_LIMITS);
  });

  it("overrides the limits it names and keeps the others", () => {
    expect(parseRunLimits('{"agentsPerRun": 2, "nodesPerRun": 40}')).toEqual({
      ...DEFAULT_RUN_LIMITS,
      agentsPerRun: 2,
      nodesPerRun: 40,
    });
  });

  it("a value out of range is an error naming the setting and the limit", () => {
    expect(() => parseRunLimits('{"nodesPerRun": 0}')).toThrow(
      /^AOB_RUN_LIMITS is invalid: nodesPerRun: /,
    );
    expect(() => parseRunLimits('{"agentsPerRun": 1.5}')).toThrow(/agentsPerRun/);
  });

  it("a misspelt limit is an error, not silently ignored", () => {
    expect(() => parseRunLimits('{"agentPerRun": 2}')).toThrow(/AOB_RUN_LIMITS is invalid/);
  });

  it("a value that is not JSON is an error naming the setting", () => {
    expect(() => parseRunLimits("agentsPerRun=2")).toThrow(/^AOB_RUN_LIMITS is not JSON: /);
  });
});
