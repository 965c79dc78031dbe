/**
 * `wrangler dev`'s workerd processes, read from Linux /proc: the runtime (the Worker, its
 * Durable Objects and miniflare's simulations; it listens on ports of its own choosing) and
 * wrangler's proxy (on the port asked for). Used by the bench (memory, the simulations' heaps)
 * and by the tests' dev server (test/support/dev-server.ts), which talks to the runtime past the
 * proxy. Empty answers off Linux.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export type WorkerdRole = "runtime" | "proxy";

/** The workerd processes of process group `group`, by role. */
export function workerdProcesses(group: number | undefined): { pid: string; role: WorkerdRole }[] {
  if (group === undefined) return [];
  const pids = safely(() => readdirSync("/proc").filter((p) => /^\d+$/.test(p))) ?? [];
  const found: { pid: string; role: WorkerdRole }[] = [];
  for (const pid of pids) {
    // The process may end meanwhile: then it is not listed.
    const stat = safely(() => readFileSync(`/proc/${pid}/stat`, "utf8"));
    if (!stat) continue;
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (comm !== "workerd" || Number(f[2]) !== group) continue; // f[2]: pgrp
    const args = safely(() => readFileSync(`/proc/${pid}/cmdline`, "utf8"));
    if (args === undefined) continue;
    found.push({ pid, role: args.includes("entry=127.0.0.1:0") ? "runtime" : "proxy" });
  }
  return found;
}

/** The runtime workerd's pid, or null. */
export function runtimePid(group: number | undefined): string | null {
  return workerdProcesses(group).find((p) => p.role === "runtime")?.pid ?? null;
}

/** The TCP ports process `pid` listens on: its socket inodes matched in /proc/net/tcp{,6}. */
export function listeningPorts(pid: string): number[] {
  const inodes = new Set<string>();
  for (const fd of safely(() => readdirSync(`/proc/${pid}/fd`)) ?? []) {
    const link = safely(() => readlinkSync(`/proc/${pid}/fd/${fd}`));
    const inode = link?.match(/^socket:\[(\d+)\]$/)?.[1];
    if (inode) inodes.add(inode);
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const rows = safely(() => readFileSync(table, "utf8").split("\n").slice(1)) ?? [];
    for (const row of rows) {
      const f = row.trim().split(/\s+/);
      // f[1]: local address:port (hex), f[3]: state (0A: listening), f[9]: socket inode.
      if (f[3] === "0A" && inodes.has(f[9] ?? ""))
        ports.push(Number.parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * The runtime's own address for the Worker (miniflare's entry socket), past wrangler's proxy:
 * the one of its listening ports that answers `GET /api/health`. Null when none does.
 */
export async function runtimeUrl(group: number | undefined): Promise<string | null> {
  const pid = runtimePid(group);
  if (!pid) return null;
  for (const port of listeningPorts(pid)) {
    const url = `http://127.0.0.1:${port}`;
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { ok?: unknown };
      if (res.ok && body.ok === true) return url;
    } catch {
      // not the Worker's port (the inspector, the debug port)
    }
  }
  return null;
}
