/**
 * The WebSocket bench (issue 4, point 5): how long an event takes from its append in the
 * RunObject to its arrival at each of N clients attached to `GET /api/runs/:id/ws?after=0`.
 *
 * Each run is a workflow behind a `delay` node (DELAY_SECONDS): the bench starts the run, attaches
 * N clients and waits for every `hello`, pings the run over the first socket (the transport's
 * round trip, no event involved), then the delay fires and the run emits its stream of events
 * while all N are listening. Only events appended after the last client attached count (the
 * backlog a client is sent on attaching is not live). The same workload runs with 0 clients (the
 * engine alone), 1 client (the baseline), 100 clients, and 100 clients that do not offer
 * permessage-deflate, interleaved, several times.
 *
 * Measures, per event and client (pooled over runs):
 * - latency: arrival (this process's performance.now(), mapped to epoch ms) minus the event's
 *   `at` (the DO's Date.now() at append, 1 ms resolution, so a latency reads 0-1 ms high);
 * - to all: the last client's arrival minus `at`: when the event has reached every client;
 * - spread: arrival minus the earliest arrival of the same event among the clients (both on this
 *   process's clock, no `at` involved): the cost of fanning out, at sub-ms resolution.
 */
import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { createDeflateRaw, constants as zlibConstants } from "node:zlib";
import WebSocket from "ws";
import { ackFor, type ServerFrame } from "../core/wire/frames";
import type { WorkflowDefinitionInput } from "../core/workflow/definition";
import type { AobClient, RunEvent } from "./clients";
import { delayed, httpChain, transformChain } from "./definitions";
import { fmt, markdownTable, median, percentile } from "./stats";
import type { TargetServer } from "./target-server";

/**
 * How long the run waits before its stream: time for every client to attach (100 upgrades take
 * 1-1.6 s in wrangler dev on a quiet machine, 2.5-4.5 s on a loaded one, and a burst that meets
 * the last upgrades measures them too).
 */
export const DELAY_SECONDS = Number(process.env.BENCH_WS_DELAY ?? 5);
/** Client counts compared (0: the engine alone, no socket; 1: the baseline). */
export const WS_CLIENTS = (process.env.BENCH_WS_CLIENTS ?? "0,1,100")
  .split(",")
  .map((n) => Number(n.trim()));
export const WS_ROUNDS = Number(process.env.BENCH_WS_ROUNDS ?? 3);
/** Sequential pings on the first socket before the stream: the transport's round trip. */
const PINGS = 20;
const TRANSFORMS = 200;
const PACED_NODES = 50;
const PACED_MS = 10;
const RUN_DEADLINE_MS = 60_000;
/**
 * One configuration: how many clients, and whether they offer permessage-deflate (browsers and
 * ws do by default; the most clients also run without it, to show what compression costs).
 */
export interface WsConfig {
  clients: number;
  deflate: boolean;
}

export function wsConfigs(): WsConfig[] {
  const most = Math.max(...WS_CLIENTS);
  const configs = WS_CLIENTS.map((clients) => ({ clients, deflate: true }));
  if (most > 1) configs.push({ clients: most, deflate: false });
  return configs;
}

const configLabel = (c: WsConfig) =>
  c.clients === 0 ? "0" : `${c.clients}${c.deflate ? "" : ", no deflate"}`;
const RUN_END = ['"run_completed"', '"run_failed"', '"run_cancelled"'];

export interface WsWorkload {
  key: string;
  label: string;
  definition: WorkflowDefinitionInput;
}

export function wsWorkloads(targetUrl: string): WsWorkload[] {
  return [
    {
      key: "burst",
      label: `${TRANSFORMS} inline transforms (burst)`,
      definition: delayed(transformChain(TRANSFORMS), DELAY_SECONDS),
    },
    {
      key: "paced",
      label: `${PACED_NODES} inline http of ${PACED_MS} ms (paced)`,
      definition: delayed(
        httpChain(PACED_NODES, `${targetUrl}?ms=${PACED_MS}`, "inline"),
        DELAY_SECONDS,
      ),
    },
  ];
}

/** One run of one workload with N clients. Times in ms. */
export interface WsSample {
  workload: string;
  clients: number;
  deflate: boolean;
  /** Events every client received live (appended after the last `hello`). */
  liveEvents: number;
  /** Per event and client: arrival − `at`. */
  latency: number[];
  /** Per event: the last client's arrival − `at`. */
  toAll: number[];
  /** Per event and client: arrival − the event's first arrival among the clients. */
  spread: number[];
  /** Run started → every client has its `hello`. */
  connectMs: number;
  /** Round trips of `{"type":"ping"}` → `pong` on the first socket before the stream. */
  pingMs: number[];
  /** The delay's `node_succeeded` → `run_completed` (event log): the stream, as the DO paced it. */
  streamMs: number;
  /** CPU used from every `hello` to every client's end of run (see groupCpuMs), per process. */
  cpuMs: Record<CpuPart, number>;
  /** The window cpuMs covers. */
  windowMs: number;
  /** Per client: `events` frames that carried live events (batching: far fewer than events). */
  frames: number[];
  /** Per client: characters of JSON of its `events` frames, and the same deflated (estimate). */
  chars: number;
  deflated: number;
  /** Gaps, duplicates, a client that attached too late: should stay empty. */
  problems: string[];
  /** The WebSocket extensions negotiated (permessage-deflate or none). */
  extensions: string;
}

export interface WsResults {
  workloads: WsWorkload[];
  configs: WsConfig[];
  /** The DO → client floor (probeFloor), by probe name: latencies in ms. */
  floor: Record<string, number[]>;
  samples: WsSample[];
  failures: string[];
}

export interface WsContext {
  aob: AobClient;
  base: string;
  key: string;
  target: TargetServer;
  /** wrangler's process group (wrangler, workerd): whose CPU time is read from /proc. */
  serverGroup: number | undefined;
  log: (line: string) => void;
  signal: AbortSignal;
}

type Hello = Extract<ServerFrame, { type: "hello" }>;

/** Sub-ms epoch time from performance.now(): anchors at the moment Date.now() ticks. */
function epochClock(): (perf: number) => number {
  const d0 = Date.now();
  let d = d0;
  while (d === d0) d = Date.now();
  const p = performance.now();
  return (perf) => d + (perf - p);
}

/** Whose CPU time the bench reads: wrangler's processes, and this one (the clients). */
export const CPU_PARTS = ["runtime", "proxy", "wrangler", "bench"] as const;
export type CpuPart = (typeof CPU_PARTS)[number];

/**
 * CPU ms (user + system) of the processes in wrangler's group, from /proc (zeros off Linux):
 * `runtime` is the workerd that runs the Worker and the RunObject, `proxy` the workerd that
 * serves the public port (wrangler's ProxyWorker, which relays every request and socket to the
 * runtime), `wrangler` wrangler's Node process.
 */
function groupCpuMs(group: number | undefined): Record<CpuPart, number> {
  const out: Record<CpuPart, number> = { runtime: 0, proxy: 0, wrangler: 0, bench: 0 };
  if (group === undefined) return out;
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command name (which may hold spaces): state is field 3.
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[2]) !== group) continue; // pgrp
      const ms = (Number(f[11]) + Number(f[12])) * 10; // utime + stime, USER_HZ = 100
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (comm === "workerd") {
        const args = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        // The runtime listens on a port of its own choosing; the proxy on the bench's port.
        out[args.includes("entry=127.0.0.1:0") ? "runtime" : "proxy"] += ms;
      } else if (comm.startsWith("node") || comm.includes("wrangler")) {
        out.wrangler += ms;
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

function cpuNow(group: number | undefined): Record<CpuPart, number> {
  const u = process.cpuUsage();
  return { ...groupCpuMs(group), bench: (u.user + u.system) / 1000 };
}

const ACK_ASKED = Buffer.from(',"ack":true}');

/**
 * One client: keeps every frame with its arrival time, parsing nothing but the first and the
 * frames that ask for an ack (once per quarter of the window), which it answers at once.
 */
class Subscriber {
  readonly frames: { t: number; data: Buffer }[] = [];
  readonly hello: Promise<Hello>;
  readonly ended: Promise<void>;
  private readonly ws: WebSocket;
  private pong: ((t: number) => void) | null = null;

  constructor(url: string, key: string, deflate: boolean) {
    this.ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${key}` },
      perMessageDeflate: deflate,
    });
    let helloDone: (h: Hello) => void = () => {};
    let endDone: () => void = () => {};
    let fail: (err: Error) => void = () => {};
    let ended = false;
    this.hello = new Promise<Hello>((resolve, reject) => {
      helloDone = resolve;
      fail = reject;
    });
    this.ended = new Promise<void>((resolve, reject) => {
      endDone = resolve;
      const prev = fail;
      fail = (err) => {
        prev(err);
        reject(err);
      };
    });
    // Both are awaited later; keep an early failure from being reported as unhandled meanwhile.
    this.hello.catch(() => {});
    this.ended.catch(() => {});
    this.ws.on("message", (data) => {
      const t = performance.now();
      const buf = data as Buffer;
      this.frames.push({ t, data: buf });
      if (this.frames.length === 1) {
        helloDone(JSON.parse(buf.toString()) as Hello);
        return;
      }
      if (buf.subarray(-ACK_ASKED.length).equals(ACK_ASKED)) {
        const ack = ackFor(JSON.parse(buf.toString()) as ServerFrame);
        if (ack) this.ws.send(JSON.stringify(ack));
      }
      if (this.pong && buf.includes('"pong"')) {
        this.pong(t);
        this.pong = null;
      } else if (!ended && RUN_END.some((m) => buf.includes(m))) {
        ended = true;
        endDone();
      }
    });
    this.ws.on("error", (err) => fail(err));
    this.ws.on("close", (code) => {
      if (!ended) fail(new Error(`socket closed (${code}) before the run ended`));
    });
  }

  /** One ping → pong round trip, ms. */
  ping(): Promise<number> {
    return new Promise((resolve) => {
      const t0 = performance.now();
      this.pong = (t) => resolve(t - t0);
      this.ws.send(JSON.stringify({ type: "ping" }));
    });
  }

  get extensions(): string {
    return this.ws.extensions || "none";
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2000);
      this.ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close(1000, "bench done");
    });
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

async function pollToEnd(aob: AobClient, runId: string): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const { status } = await aob.status(runId);
    if (status === "completed") return;
    if (status === "failed" || status === "cancelled") throw new Error(`run ${runId} ${status}`);
    if (performance.now() - t0 > RUN_DEADLINE_MS) throw new Error(`run ${runId} timed out`);
    await sleep(100);
  }
}

/** Runs one workload with `config.clients` clients attached and reads what they received. */
export async function wsRun(
  c: WsContext,
  w: WsWorkload,
  workflowId: string,
  config: WsConfig,
): Promise<WsSample> {
  const n = config.clients;
  const epoch = epochClock();
  const t0 = performance.now();
  const runId = await c.aob.start(workflowId);
  const url = `${c.base.replace(/^http/, "ws")}/api/runs/${runId}/ws?after=0`;
  const subs = Array.from({ length: n }, () => new Subscriber(url, c.key, config.deflate));
  let connectMs = Number.NaN;
  let windowMs = 0;
  let cpu: Record<CpuPart, number> = { runtime: 0, proxy: 0, wrangler: 0, bench: 0 };
  let hellos: Hello[] = [];
  const pingMs: number[] = [];
  try {
    hellos = await withDeadline(
      Promise.all(subs.map((s) => s.hello)),
      RUN_DEADLINE_MS,
      `${n} hellos`,
    );
    connectMs = performance.now() - t0;
    for (let i = 0; i < PINGS && subs[0]; i++) {
      pingMs.push(await withDeadline(subs[0].ping(), 5000, "pong"));
    }
    const w0 = performance.now();
    const cpu0 = cpuNow(c.serverGroup);
    if (n > 0) {
      await withDeadline(Promise.all(subs.map((s) => s.ended)), RUN_DEADLINE_MS, "end of run");
    } else {
      await pollToEnd(c.aob, runId);
    }
    windowMs = performance.now() - w0;
    const cpu1 = cpuNow(c.serverGroup);
    cpu = Object.fromEntries(CPU_PARTS.map((k) => [k, cpu1[k] - cpu0[k]])) as typeof cpu;
  } finally {
    await Promise.all(subs.map((s) => s.close()));
  }
  const log = await c.aob.events(runId);
  await c.aob.waitProjected(runId, w.definition.nodes.length);

  const problems: string[] = [];
  const waitDone = log.find((e) => e.type === "node_succeeded" && e.nodeId === "wait");
  const end = log.find((e) => e.type === "run_completed");
  if (!waitDone || !end) throw new Error(`run ${runId}: no wait node_succeeded or run_completed`);
  const lastSeq = end.seq;
  const attachedBy = Math.max(0, ...hellos.map((h) => h.lastSeq));
  if (attachedBy >= waitDone.seq) {
    problems.push(`a client attached at seq ${attachedBy}, after the delay fired`);
  }
  const frames: number[] = [];
  const arrivals = subs.map((s, i) => {
    const bySeq = new Map<number, number>();
    let expected = 1;
    let live = 0;
    for (const f of s.frames.slice(1)) {
      const frame = JSON.parse(f.data.toString()) as ServerFrame;
      if (frame.type !== "events") continue;
      if (frame.events.at(-1)!.seq > attachedBy) live++;
      for (const event of frame.events) {
        if (event.seq !== expected) {
          problems.push(`client ${i}: seq ${event.seq} where ${expected} was due`);
        }
        expected = event.seq + 1;
        bySeq.set(event.seq, f.t);
      }
    }
    if (expected !== lastSeq + 1) problems.push(`client ${i}: last seq ${expected - 1}`);
    frames.push(live);
    return bySeq;
  });
  const sizes = subs[0] ? await frameSizes(subs[0].frames.slice(1).map((f) => f.data)) : null;
  const latency: number[] = [];
  const toAll: number[] = [];
  const spread: number[] = [];
  const events = new Map<number, RunEvent>(log.map((e) => [e.seq, e]));
  let liveEvents = 0;
  for (let seq = attachedBy + 1; n > 0 && seq <= lastSeq; seq++) {
    const at = events.get(seq)!.at;
    const times = arrivals.map((m) => m.get(seq)).filter((t) => t !== undefined);
    if (times.length !== n) continue; // reported as a problem above
    liveEvents++;
    const first = Math.min(...times);
    for (const t of times) {
      latency.push(epoch(t) - at);
      spread.push(t - first);
    }
    toAll.push(epoch(Math.max(...times)) - at);
  }
  return {
    workload: w.key,
    clients: n,
    deflate: config.deflate,
    liveEvents,
    latency,
    toAll,
    spread,
    connectMs,
    pingMs,
    streamMs: end.at - waitDone.at,
    cpuMs: cpu,
    windowMs,
    frames,
    chars: sizes?.chars ?? 0,
    deflated: sizes?.deflated ?? 0,
    problems,
    extensions: subs[0]?.extensions ?? "–",
  };
}

/**
 * What one client's `events` frames weigh: characters of JSON, and bytes once deflated as
 * permessage-deflate does by default (one raw deflate stream, context kept, flushed per frame).
 */
async function frameSizes(data: Buffer[]): Promise<{ chars: number; deflated: number }> {
  const frames = data.filter((d) => d.includes('"type":"events"'));
  const deflate = createDeflateRaw();
  let deflated = 0;
  deflate.on("data", (chunk: Buffer) => {
    deflated += chunk.length;
  });
  for (const frame of frames) {
    deflate.write(frame);
    await new Promise<void>((resolve) => deflate.flush(zlibConstants.Z_SYNC_FLUSH, resolve));
  }
  deflate.end();
  // permessage-deflate drops each message's trailing 00 00 ff ff.
  return {
    chars: frames.reduce((n, f) => n + f.length, 0),
    deflated: deflated - 4 * frames.length,
  };
}

/**
 * Creates the workloads' workflows, runs one warm-up (the first workload with the most clients),
 * then WS_ROUNDS rounds of every workload × configuration, the order reversed every other round.
 */
export async function measureWs(c: WsContext): Promise<WsResults> {
  const workloads = wsWorkloads(c.target.url);
  const configs = wsConfigs();
  const ids = new Map<string, string>();
  for (const w of workloads) ids.set(w.key, await c.aob.createWorkflow(w.definition));
  const results: WsResults = { workloads, configs, floor: {}, samples: [], failures: [] };
  for (let round = 0; round <= WS_ROUNDS; round++) {
    const warm = round === 0;
    c.log(`bench ws: round ${round + 1}/${WS_ROUNDS + 1}${warm ? " (warm-up)" : ""}`);
    const ordered = round % 2 === 0 ? [...configs].reverse() : configs;
    const jobs = warm
      ? [{ w: workloads[0]!, config: configs.find((x) => x.deflate && x.clients > 1)! }]
      : workloads.flatMap((w) => ordered.map((config) => ({ w, config })));
    for (const { w, config } of jobs) {
      if (!config) continue;
      const name = `ws ${w.key} × ${configLabel(config)}`;
      try {
        const s = await wsRun(c, w, ids.get(w.key)!, config);
        const lat =
          config.clients > 0
            ? `latency ${fmt(median(s.latency), 1)} / ${fmt(p99(s.latency), 1)} ms, ping ${fmt(median(s.pingMs), 1)} ms`
            : "";
        c.log(
          `  ${name.padEnd(30)} stream ${fmt(s.streamMs, 0).padStart(5)} ms  connect ${fmt(s.connectMs, 0).padStart(5)} ms  ${lat}`,
        );
        for (const p of s.problems.slice(0, 5)) c.log(`    problem: ${p}`);
        if (!warm) results.samples.push(s);
      } catch (err) {
        c.signal.throwIfAborted();
        results.failures.push(`ws round ${round + 1}, ${name}: ${String(err)}`);
        c.log(`  ${name.padEnd(30)} FAILED: ${String(err)}`);
      }
    }
  }
  try {
    results.floor = await probeFloor(c);
  } catch (err) {
    c.signal.throwIfAborted();
    results.failures.push(`ws floor probe: ${String(err)}`);
  }
  return results;
}

/** The probes of the floor: what ProbeObject does before each frame, and the gap between frames. */
const FLOOR_PROBES = [
  { name: "send, 5 ms apart", mode: "send", count: 100, gapMs: 5 },
  { name: "SQLite write + send, 5 ms apart", mode: "write", count: 100, gapMs: 5 },
  { name: "write + setAlarm + send, 5 ms apart", mode: "write-alarm", count: 100, gapMs: 5 },
  { name: "write + send, 400 in one turn", mode: "write", count: 400, gapMs: 0 },
] as const;

/**
 * The floor under an event's latency: one client on a bench Durable Object (ProbeObject) that
 * sends frames stamped with its Date.now(), with and without the storage work the RunObject does
 * before a send. Same path as the runs' sockets (proxy, Worker, hibernatable socket), no engine.
 */
async function probeFloor(c: WsContext): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  const ws = new WebSocket(`${c.base.replace(/^http/, "ws")}/bench/probe-ws`);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  try {
    for (const probe of FLOOR_PROBES) {
      const epoch = epochClock();
      const arrivals: { t: number; data: Buffer }[] = [];
      const done = new Promise<void>((resolve) => {
        const onMessage = (data: WebSocket.RawData) => {
          const t = performance.now();
          const buf = data as Buffer;
          if (buf.includes('"done"')) {
            ws.off("message", onMessage);
            resolve();
          } else arrivals.push({ t, data: buf });
        };
        ws.on("message", onMessage);
      });
      ws.send(JSON.stringify({ mode: probe.mode, count: probe.count, gapMs: probe.gapMs }));
      await withDeadline(done, 30_000, `probe ${probe.name}`);
      out[probe.name] = arrivals.map(
        (a) => epoch(a.t) - (JSON.parse(a.data.toString()) as { at: number }).at,
      );
    }
  } finally {
    ws.close();
  }
  return out;
}

const p99 = (xs: readonly number[]) => percentile(xs, 99);
const pair = (xs: number[], digits = 1) => `${fmt(median(xs), digits)} / ${fmt(p99(xs), digits)}`;

/** The WebSocket part of the report (docs/BENCHMARKS.md explains it). */
export function wsReport(r: WsResults): string {
  const rows: string[][] = [];
  const ratios: string[] = [];
  for (const w of r.workloads) {
    const of = (c: WsConfig) =>
      r.samples.filter(
        (s) => s.workload === w.key && s.clients === c.clients && s.deflate === c.deflate,
      );
    for (const config of r.configs) {
      const xs = of(config);
      if (xs.length === 0) continue;
      const n = config.clients;
      const all = (f: (s: WsSample) => number[]) => xs.flatMap(f);
      const cpu = CPU_PARTS.map((k) => fmt(median(xs.map((s) => s.cpuMs[k])), 0)).join(" / ");
      rows.push([
        w.label,
        configLabel(config),
        String(xs.length),
        n > 0 ? fmt(median(xs.map((s) => s.liveEvents)), 0) : "–",
        n > 0 ? fmt(median(all((s) => s.frames)), 0) : "–",
        n > 0
          ? `${fmt(median(xs.map((s) => s.chars)) / 1024, 0)} / ${fmt(median(xs.map((s) => s.deflated)) / 1024, 0)}`
          : "–",
        n > 0 ? pair(all((s) => s.latency)) : "–",
        n > 1 ? pair(all((s) => s.toAll)) : "–",
        n > 1 ? pair(all((s) => s.spread)) : "–",
        fmt(median(xs.map((s) => s.streamMs)), 0),
        n > 0 ? fmt(median(all((s) => s.pingMs)), 1) : "–",
        cpu,
        n > 0 ? fmt(median(xs.map((s) => s.connectMs)), 0) : "–",
      ]);
    }
    const withClients = r.configs.filter((x) => x.clients > 0 && x.deflate);
    const lo = withClients.reduce((a, b) => (b.clients < a.clients ? b : a), withClients[0]!);
    for (const hi of r.configs.filter((x) => x.clients > (lo?.clients ?? 0))) {
      if (!lo || of(lo).length === 0 || of(hi).length === 0) continue;
      const a = of(lo).flatMap((s) => s.latency);
      const b = of(hi).flatMap((s) => s.latency);
      const [sa, sb] = [of(lo), of(hi)].map((xs) => median(xs.map((s) => s.streamMs)));
      ratios.push(
        `${w.label}: ${configLabel(hi)} clients ÷ ${configLabel(lo)}: latency median ×${fmt(median(b) / median(a))}, p99 ×${fmt(p99(b) / p99(a))}; stream ×${fmt(sb! / sa!)}`,
      );
    }
  }
  const head = [
    "workload",
    "clients",
    "runs",
    "live events",
    "live frames",
    "KiB per client (JSON / deflated)",
    "latency ms median / p99",
    "to all ms median / p99",
    "spread ms median / p99",
    "stream ms",
    "ping ms",
    `CPU ms ${CPU_PARTS.join(" / ")}`,
    "connect ms",
  ];
  const problems = r.samples.flatMap((s) =>
    s.problems.map((p) => `${s.workload} × ${s.clients}: ${p}`),
  );
  const extensions = [
    ...new Set(
      r.samples.filter((s) => s.clients > 0).map((s) => `${configLabel(s)}: ${s.extensions}`),
    ),
  ];
  const floor = Object.entries(r.floor).map(([name, xs]) => [name, String(xs.length), pair(xs)]);
  return [
    markdownTable(head, rows),
    ratios.map((x) => `- ${x}`).join("\n"),
    `Floor: one client on a bench Durable Object that stamps and sends frames itself (no engine):\n\n${markdownTable(["probe", "frames", "latency ms median / p99"], floor)}`,
    `WebSocket extensions negotiated: ${extensions.join("; ") || "–"}. Ordering and gap problems: ${problems.length === 0 ? "none" : problems.slice(0, 10).join("; ")}.`,
    ...r.failures.map((f) => `- ${f}`),
  ]
    .filter((x) => x.length > 0)
    .join("\n\n");
}
