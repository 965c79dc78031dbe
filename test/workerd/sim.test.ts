import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type FaultKind,
  onlyFaults,
  type SeedDeps,
  type SeedReport,
  shrinkSeed,
  simulateSeed,
} from "../support/sim/seed";
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
/** `--faults a,b`: only these kinds (a shrunk case's replay); all of them otherwise. */
const ON = settings.SIM_FAULTS
  ? (settings.SIM_FAULTS.split(",").filter((k) => k !== "none") as FaultKind[])
  : null;
const KINDS = [...Object.keys(DEFAULT_FAULTS), "cancel"];
const OPTIONS = ON ? onlyFaults(DEFAULT_FAULTS, ON) : { rates: DEFAULT_FAULTS, cancels: true };

let deps: SeedDeps;

/** A failing seed, shrunk to the fewest fault kinds that still fail it, as a replayable story. */
async function failure(r: SeedReport): Promise<string> {
  const { report, on } = await shrinkSeed(r.seed, deps, OPTIONS, r);
  const faults = on.length > 0 ? on.join(",") : "none";
  return [
    `seed ${r.seed}: ${r.violations.join("\n")}`,
    `replay: npm run sim -- --seed ${r.seed}${ON ? ` --faults ${ON.join(",")}` : ""}`,
    `shrunk to the fault kinds ${faults} (trace of ${report.trace.length} lines, from ${r.trace.length}): npm run sim -- --seed ${r.seed} --faults ${faults}`,
    report.violations.join("\n"),
    `workload ${JSON.stringify(r.workload)}`,
    "trace:",
    ...report.trace,
  ].join("\n");
}

describe("the engine simulation", () => {
  beforeAll(async () => {
    const unknown = (ON ?? []).filter((k) => !KINDS.includes(k));
    if (unknown.length > 0) throw new Error(`unknown fault kinds ${unknown}; known: ${KINDS}`);
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
        const report = await simulateSeed(seed, deps, OPTIONS);
        if (report.violations.length > 0) throw new Error(await failure(report));
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
      if (SEED === null) expect(compared).toBeGreaterThan(cases / 2);
    },
    60_000 + (MINUTES > 0 ? MINUTES * 60_000 : 3_000 * CASES),
  );
});
