import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type GateRules, room } from "./room";

describe("a gate's room to start runs", () => {
  it("fills a concurrency limit and never more", () => {
    const rules: GateRules = { concurrency: 3, maxQueued: 100 };
    expect(room(rules, { holding: 0, waiting: 10, starts: [], now: 0 })).toEqual({
      start: 3,
      wakeAt: null,
    });
    expect(room(rules, { holding: 3, waiting: 10, starts: [], now: 0 }).start).toBe(0);
    expect(room(rules, { holding: 1, waiting: 1, starts: [], now: 0 }).start).toBe(1);
  });

  it("lets a throttle start `limit` per period and says when the next may start", () => {
    const rules: GateRules = { throttle: { limit: 2, periodMs: 1000 }, maxQueued: 100 };
    expect(room(rules, { holding: 0, waiting: 5, starts: [], now: 0 })).toEqual({
      start: 2,
      wakeAt: 1000,
    });
    expect(room(rules, { holding: 2, waiting: 3, starts: [0, 10], now: 500 })).toEqual({
      start: 0,
      wakeAt: 1000,
    });
    // The first start left the period: one more may start, the next when the second leaves.
    expect(room(rules, { holding: 2, waiting: 3, starts: [0, 10], now: 1000 })).toEqual({
      start: 1,
      wakeAt: 1010,
    });
  });

  it("never lets more than `limit` starts fall in any period, taking every start it allows", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 40 }),
        (limit, periodMs, steps) => {
          const rules: GateRules = { throttle: { limit, periodMs }, maxQueued: 1000 };
          const starts: number[] = [];
          let now = 0;
          let waiting = 30;
          for (const step of steps) {
            const r = room(rules, { holding: 0, waiting, starts, now });
            for (let i = 0; i < r.start; i++) starts.push(now);
            waiting -= r.start;
            // Whenever it holds runs back, it names a time in the future when one may start.
            if (waiting > 0 && r.start === 0) expect(r.wakeAt).toBeGreaterThan(now);
            now = r.wakeAt !== null && r.wakeAt > now ? Math.min(r.wakeAt, now + step) : now + step;
          }
          for (const t of starts) {
            expect(starts.filter((s) => s >= t && s < t + periodMs).length).toBeLessThanOrEqual(
              limit,
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
