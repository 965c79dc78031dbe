import { groupOf, type Results } from "./rounds";
import { FANOUT_NODES, PHASES, type Sample, type Scenario } from "./scenarios";
import { fmt, markdownTable, median, p95 } from "./stats";

const aobOf = (r: Results, s: Scenario) => r.aob.get(s.key) ?? [];
const twinOf = (r: Results, s: Scenario) => r.workflows.get(groupOf(s)) ?? [];
const pooled = (xs: Sample[], f: (x: Sample) => number[]) => xs.flatMap(f);
const pair = (xs: number[], digits = 2) => `${fmt(median(xs), digits)} / ${fmt(p95(xs), digits)}`;

/** The headline: wall time ÷ nodes, per run, for both engines. */
function summaryTable(r: Results): string {
  const rows = r.scenarios.map((s) => {
    const a = aobOf(r, s).map((x) => x.wallMs / s.nodes);
    const w = twinOf(r, s).map((x) => x.wallMs / s.nodes);
    return [s.label, String(s.nodes), pair(a), pair(w), fmt(median(w) / median(a))];
  });
  const head = ["scenario", "nodes", "aob ms/node", "Workflows ms/step", "Workflows / aob"];
  return markdownTable(head, rows);
}

/** Per-node distributions: chain hops and transitions, fan-out branch completion times. */
function detailTable(r: Results): string {
  const rows = r.scenarios.map((s) => {
    const a = aobOf(r, s);
    const w = twinOf(r, s);
    const chain = s.shape === "chain";
    return [
      s.label,
      chain ? "hop" : "branch done",
      pair(
        pooled(a, (x) => x.perNode),
        0,
      ),
      chain
        ? pair(
            pooled(a, (x) => x.transitions),
            0,
          )
        : "–",
      pair(
        pooled(w, (x) => x.perNode),
        0,
      ),
      fmt(median(a.map((x) => x.wallMs)), 0),
      fmt(median(a.map((x) => x.logWallMs)), 0),
      fmt(median(a.map((x) => x.startMs)), 0),
      fmt(median(w.map((x) => x.wallMs)), 0),
    ];
  });
  const head = [
    "scenario",
    "per-node measure",
    "aob",
    "aob transition",
    "Workflows",
    "aob wall",
    "aob wall (log)",
    "aob start request",
    "Workflows wall",
  ];
  return markdownTable(head, rows);
}

/** Where aob's time goes, per scenario, from the event log (pooled over runs). */
function phaseTable(r: Results): string {
  const rows: string[][] = [];
  for (const s of r.scenarios) {
    for (const phase of Object.keys(PHASES)) {
      const values = pooled(aobOf(r, s), (x) => x.phases[phase] ?? []);
      if (values.length > 0) rows.push([s.label, phase, pair(values, 0)]);
    }
  }
  const legend = Object.entries(PHASES).map(([k, v]) => `- ${k}: ${v}`);
  return `${markdownTable(["scenario", "phase", "ms median / p95"], rows)}\n\n${legend.join("\n")}`;
}

/** The issue's targets, each with the numbers it was judged on. */
function targets(r: Results): string[] {
  const find = (key: string) => r.scenarios.find((s) => s.key === key);
  const wallPerNode = (s: Scenario) => median(aobOf(r, s).map((x) => x.wallMs / s.nodes));
  const phase = (s: Scenario, name: string) => pooled(aobOf(r, s), (x) => x.phases[name] ?? []);
  const verdict = (ok: boolean) => (ok ? "MET" : "NOT MET");

  const lines: string[] = [];
  const chain = find("chain");
  if (chain) {
    const engine = median(phase(chain, "engine")) / chain.nodes;
    const transitions = pooled(aobOf(r, chain), (x) => x.transitions);
    const hops = pooled(aobOf(r, chain), (x) => x.perNode);
    lines.push(
      `inline node transition <= 0.5 ms median: ${verdict(engine <= 0.5)}: engine time ${fmt(engine)} ms/node (run_started → run_completed ÷ ${chain.nodes}); event-log transition ${pair(transitions, 0)} ms and hop ${pair(hops, 0)} ms (median / p95, 1 ms resolution); end to end, start and projection included, ${fmt(wallPerNode(chain))} ms/node`,
    );
  }
  for (const key of ["fanout-queued", "fanout-inline"]) {
    const s = find(key);
    if (!s) continue;
    const mine = wallPerNode(s);
    const theirs = median(twinOf(r, s).map((x) => x.wallMs / s.nodes));
    lines.push(
      `${s.label} at least as fast per node as Workflows: ${verdict(mine <= theirs)}: ${fmt(mine)} vs ${fmt(theirs)} ms/node (wall ÷ nodes)`,
    );
  }
  const queued = find("http-chain-queued");
  if (!queued) return lines;
  const queuedHops = pooled(aobOf(r, queued), (x) => x.perNode);
  lines.push(
    `queued hop <= 8 ms median: ${verdict(median(queuedHops) <= 8)}: event-log hop ${pair(queuedHops, 0)} ms (median / p95), of which queue delivery ${fmt(median(phase(queued, "queueDelivery")), 0)} ms and execute + report ${fmt(median(phase(queued, "executeReport")), 0)} ms (medians); wall ÷ nodes ${fmt(wallPerNode(queued))} ms; by delivery: ${byDelivery(phase(queued, "hopEager"), phase(queued, "hopQueue"))}`,
  );
  return lines;
}

/** The whole report, in Markdown (docs/BENCHMARKS.md explains how to read it). */
export function report(r: Results): string {
  const costs = Object.entries(r.probe).map(([k, v]) => `${k} ${v}`);
  const failures =
    r.failures.length === 0
      ? []
      : [`${r.failures.length} run(s) failed and are not in the tables:`, ...r.failures];
  return [
    summaryTable(r),
    detailTable(r),
    phaseTable(r),
    `Platform costs inside the Worker (median ms): ${costs.join(", ")}`,
    `Reference shape: Workflows fan-out of ${FANOUT_NODES} no-op steps, ms/step median / p95: ${pair(r.noopFanout)}`,
    `Targets:\n${targets(r)
      .map((t) => `- ${t}`)
      .join("\n")}`,
    ...failures.map((f) => `- ${f}`),
  ].join("\n\n");
}

/** The queued chain's hops split by how each job reached the runner. */
function byDelivery(eager: number[], queue: number[]): string {
  const part = (name: string, xs: number[]) =>
    xs.length === 0 ? `no ${name} hops` : `${xs.length} ${name} hops ${pair(xs, 0)} ms`;
  return `${part("eager", eager)}, ${part("queue", queue)}`;
}
