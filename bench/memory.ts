/**
 * Resident memory of wrangler's workerd processes, read from outside (Linux /proc): VmRSS of
 * each workerd in wrangler's process group, sampled every SAMPLE_MS while a run goes on. Growth
 * is the peak minus the value just before the run. RSS counts what the process holds from the
 * OS: memory V8 or workerd freed but kept is still counted, so growth is an upper bound of what
 * the run needed and can read 0 when a run reuses memory an earlier one left.
 */
import { readdirSync, readFileSync } from "node:fs";

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

/** wrangler's workerd processes by role (empty off Linux or without a group). */
function workerdPids(group: number | undefined): { pid: string; part: RssPart }[] {
  if (group === undefined) return [];
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const found: { pid: string; part: RssPart }[] = [];
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (comm !== "workerd" || Number(f[2]) !== group) continue; // f[2]: pgrp
      // As in bench/ws.ts: the runtime listens on a port of its own choosing, the proxy on ours.
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      found.push({ pid, part: args.includes("entry=127.0.0.1:0") ? "runtime" : "proxy" });
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** The runtime workerd's pid (the one running the Worker and the simulations), or null. */
export function runtimePid(group: number | undefined): string | null {
  return workerdPids(group).find((p) => p.part === "runtime")?.pid ?? null;
}

/** The runtime workerd's RSS now, MiB (0 off Linux or without a group). */
export function readRuntimeRss(group: number | undefined): number {
  return readRss(workerdPids(group)).runtime;
}

function readRss(pids: { pid: string; part: RssPart }[]): Rss {
  const out: Rss = { runtime: 0, proxy: 0 };
  for (const { pid, part } of pids) {
    try {
      const kib = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m)?.[1];
      out[part] += Number(kib ?? 0) / 1024;
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
  const pids = workerdPids(group);
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
