/**
 * Observability's pure parts (docs/OBSERVABILITY.md): the histograms' buckets, what an ended
 * run adds to the running totals, the Prometheus text format, and the stats window.
 */
export * from "./buckets";
export * from "./exposition";
export * from "./run-totals";
export * from "./window";
