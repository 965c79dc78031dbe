/**
 * Nominal durations (ms) of the optimiser's cost model, which kinds declare with `costMs`. They
 * order work; they do not predict it: an HTTP call is worth 100 ms, a queue hop 12 ms
 * (docs/BENCHMARKS.md, local median), pure inline work 0.05 ms, a person 1 minute, a delay its
 * literal seconds.
 */
export const COST_MS = {
  pure: 0.05,
  http: 100,
  queueHop: 12,
  agent: 5_000,
  approval: 60_000,
  delayDefault: 1_000,
  /** A child run: a few queue hops at least. */
  subworkflow: 100,
} as const;
