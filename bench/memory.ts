/**
 * Resident memory of wrangler's workerd processes, read from outside (Linux /proc): VmRSS of
 * each workerd in wrangler's process group, sampled every SAMPLE_MS while a run goes on. Growth
 * is the peak minus the value just before the run. RSS counts what the process holds from the
 * OS: memory V8 or workerd freed but kept is still counted, so growth is an upper bound of what
 * the run needed and can read 0 when a run reuses memory an earlier one left.
 */
import { readFileSync } from "node:fs";
import { workerdProcesses } from "../scripts/workerd-processes";

const SAMPLE_MS = 20;

/** `runtime`: the workerd that runs the Worker, its objects and Workflows; `proxy`: the one on the bench's port. */
export const RSS_PARTS = ["runtime", "proxy"] as const;
export type RssPart = (typeof RSS_PARTS)[number];

/** MiB, by workerd process. */
export type Rss = Record<RssPart, number>;

export interface RssGrowth {
  /** Just before the run. */
  base: Rss;
  /** The highest sample during it. */
  peak: Rss;
  /** peak − base. */
  growth: Rss;
  samples: number;
}

/** The runtime workerd's RSS now, MiB (0 off Linux or without a group). */
export function readRuntimeRss(group: number | undefined): number {
  return readRss(workerdProcesses(group)).runtime;
}

function readRss(pids: { pid: string; role: RssPart }[]): Rss {
  const out: Rss = { runtime: 0, proxy: 0 };
  for (const { pid, role } of pids) {
    try {
      const kib = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m)?.[1];
      out[role] += Number(kib ?? 0) / 1024;
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/**
 * Runs `fn` while sampling the workerd processes' RSS every SAMPLE_MS, and returns its value
 * with the growth. The processes are found again for each call (workerd may have restarted).
 * @example
 * const { value, rss } = await withRss(server.group, () => aob.run(id));
 */
export async function withRss<T>(
  group: number | undefined,
  fn: () => Promise<T>,
): Promise<{ value: T; rss: RssGrowth }> {
  const pids = workerdProcesses(group);
  const base = readRss(pids);
  const peak = { ...base };
  let samples = 1;
  const sample = () => {
    const now = readRss(pids);
    samples++;
    for (const part of RSS_PARTS) peak[part] = Math.max(peak[part], now[part]);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  let value: T;
  try {
    value = await fn();
  } finally {
    clearInterval(timer);
  }
  sample();
  return { value, rss: { base, peak, growth: growthOf(base, peak), samples } };
}

function growthOf(base: Rss, peak: Rss): Rss {
  return { runtime: peak.runtime - base.runtime, proxy: peak.proxy - base.proxy };
}
