import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type SeedDeps, type SeedReport, simulateSeed } from "../support/sim/seed";
import { DEFAULT_FAULTS } from "../support/sim/world";
import { simDeps } from "./sim-deps";

/*
 * The engine simulation (docs/RELIABILITY.md): the real RunObject engine over real SQLite, with
 * the queue, alarm, clock, R2, D1 and the runner simulated and faults drawn from one seed.
 * CI runs 40 seeds; `npm run sim -- --seed N` replays one, `npm run sim -- --cases N --minutes M`
 * searches longer (scripts/sim.ts passes these as bindings).
 */

const settings = env as unknown as Record<string, string | undefined>;
const SEED = settings.SIM_SEED ? Number(settings.SIM_SEED) : null;
const CASES = Number(settings.SIM_CASES) || 40;
const FIRST = Number(settings.SIM_FIRST) || 1;
const MINUTES = Number(settings.SIM_MINUTES) || 0;

let deps: SeedDeps;

const failure = (r: SeedReport) =>
  `seed ${r.seed}: ${r.violations.join("\n")}\nreplay: npm run sim -- --seed ${r.seed}\nworkload ${JSON.stringify(r.workload)}\ntrace:\n${r.trace.join("\n")}`;

describe("the engine simulation", () => {
  beforeAll(async () => {
    deps = await simDeps();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it(
    "keeps every invariant and ends as the run without faults, seed after seed",
    async () => {
      // The engine logs the faults it meets (failed writes, a crashed pump): expected here.
      vi.spyOn(console, "error").mockImplementation(() => {});
      const started = Date.now();
      const faults: Record<string, number> = {};
      let cases = 0;
      let compared = 0;
      const seeds = SEED === null ? CASES : 1;
      for (let i = 0; i < seeds; i++) {
        if (MINUTES > 0 && Date.now() - started > MINUTES * 60_000) break;
        const seed = SEED ?? FIRST + i;
        const report = await simulateSeed(seed, deps, {
          rates: DEFAULT_FAULTS,
          cancels: true,
        });
        if (report.violations.length > 0) throw new Error(failure(report));
        if (SEED !== null) console.log(report.trace.join("\n"));
        cases++;
        if (report.compared) compared++;
        for (const [k, n] of Object.entries(report.faults)) faults[k] = (faults[k] ?? 0) + n;
      }
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(
        JSON.stringify({
          sim: { first: FIRST, cases, runs: cases * 2, compared, seconds, faults },
        }),
      );
      expect(cases).toBeGreaterThan(0);
      // Most seeds end comparable to their reference (no cancel, no race, no lease given up).
      expect(compared).toBeGreaterThan(cases / 2);
    },
    60_000 + (MINUTES > 0 ? MINUTES * 60_000 : 3_000 * CASES),
  );
});
