import { describe, expect, it } from "vitest";
import { poll } from "../support/poll";

describe("poll", () => {
  it("returns the first value that satisfies the wait", async () => {
    let reads = 0;
    const value = await poll(
      "the third read",
      () => ++reads,
      (n) => n === 3,
    );
    expect(value).toBe(3);
    expect(reads).toBe(3);
  });

  it("fails past its deadline, naming what it waited for and the last value it read", async () => {
    let reads = 0;
    const error = await poll(
      "run r1 to end",
      () => ({ status: "running", reads: ++reads }),
      (r) => r.status === "completed",
      { timeoutMs: 50 },
    ).then(
      () => new Error("poll resolved"),
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    expect(error.message).toBe(
      `timed out after 50 ms waiting for run r1 to end; last value: {"status":"running","reads":${reads}}`,
    );
    expect(reads).toBeGreaterThan(1);
  });

  it("does not retry a read that throws", async () => {
    let reads = 0;
    await expect(
      poll(
        "a broken read",
        () => {
          reads++;
          throw new Error("boom");
        },
        () => true,
      ),
    ).rejects.toThrow("boom");
    expect(reads).toBe(1);
  });
});
