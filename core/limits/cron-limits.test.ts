import { describe, expect, it } from "vitest";
import { DEFAULT_CRON_LIMITS, parseCronLimits } from "./cron-limits";

describe("parseCronLimits (AOB_CRON_LIMITS)", () => {
  it("defaults, overrides one key, and names what is wrong", () => {
    expect(parseCronLimits("")).toEqual(DEFAULT_CRON_LIMITS);
    expect(parseCronLimits('{"runsPerTenant":3}')).toEqual({ pageSize: 200, runsPerTenant: 3 });
    expect(() => parseCronLimits("{")).toThrow(/AOB_CRON_LIMITS is not JSON/);
    expect(() => parseCronLimits('{"pageSize":0}')).toThrow(/AOB_CRON_LIMITS is invalid: pageSize/);
    expect(() => parseCronLimits('{"perTenant":3}')).toThrow(/AOB_CRON_LIMITS is invalid/);
  });
});
