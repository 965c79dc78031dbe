import { type Command, Option } from "commander";
import type { Stats } from "../../workers/api/schemas/stats";
import { call } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { sinceDuration } from "../duration";
import { formatDuration, formatTime, printJson, printTable, say } from "../output";
import { resolveWorkflow } from "./resolve";

/** `aob stats`: the figures of `GET /api/stats` as a compact report (docs/OBSERVABILITY.md). */
export function registerStats(program: Command): void {
  leaf(program, "stats", "runs, durations, slow and failing nodes, tokens and cost over a window")
    .option("--workflow <id or name>", "only this workflow's runs")
    .addOption(
      new Option("--since <duration>", "the last 30m, 24h, 7d, ... (at most 31d)")
        .argParser(sinceDuration)
        .default(undefined, "24h"),
    )
    .action(action(stats));
}

const ms = (value: number | null) => (value === null ? "-" : formatDuration(value));
const usd = (value: number) => `$${value.toFixed(value !== 0 && value < 0.01 ? 6 : 2)}`;

/** The percentiles of a duration figure on one line. */
function percentiles(d: {
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}): string {
  return `p50 ${ms(d.p50Ms)}, p95 ${ms(d.p95Ms)}, p99 ${ms(d.p99Ms)}, max ${ms(d.maxMs)}`;
}

const where = (n: Stats["nodes"]["slowest"][number]) => n.workflowName ?? n.workflowId;

async function stats(ctx: Context, opts: { workflow?: string; since?: number }) {
  const workflow =
    opts.workflow === undefined ? undefined : await resolveWorkflow(ctx, opts.workflow);
  const body = await call(
    ctx.api.stats.$get({
      query: {
        ...(workflow === undefined ? {} : { workflow }),
        ...(opts.since === undefined ? {} : { since: String(opts.since) }),
      },
    }),
  );
  if (ctx.json) {
    printJson(body);
    return undefined;
  }
  const { totals: t, durations: d, nodes, approvals: a, queue: q } = body;
  say(
    `${workflow === undefined ? "all workflows" : `workflow ${opts.workflow}`}, ${formatTime(body.since)} to ${formatTime(body.until)}`,
  );
  say(
    `runs: ${t.started} started; ${t.completed} completed, ${t.failed} failed, ${t.cancelled} cancelled`,
  );
  say(`duration of ${d.runs} ended runs: ${percentiles(d)}`);
  say(
    `node attempts: ${nodes.attempts}, ${nodes.retries} retried, ${nodes.failures} failed for good`,
  );
  say(
    `approvals: ${a.decided} decided (${percentiles(a)}), ${a.timeout} timed out, ${a.pending} pending now`,
  );
  say(`queue: ${q.queued} queued now; ${q.started} gated runs began, waited ${percentiles(q)}`);
  say(`tokens: ${t.tokens}, cost ${usd(t.costUsd)}`);
  const capped = Object.entries(body.capped).filter(([, c]) => c);
  if (capped.length > 0) {
    say(
      `(${capped.map(([k]) => k).join(", ")}: only the newest ${body.sample} rows of the window were read)`,
    );
  }
  say();
  say("slowest nodes (by p95 of an attempt)");
  printTable(
    ["workflow", "node", "kind", "p95", "mean", "attempts"],
    nodes.slowest.map((n) => [
      where(n),
      n.nodeId,
      n.kind,
      ms(n.p95Ms),
      ms(n.meanMs),
      String(n.attempts),
    ]),
  );
  say();
  say("failing nodes");
  printTable(
    ["workflow", "node", "kind", "failures", "executions", "retries"],
    nodes.failing.map((n) => [
      where(n),
      n.nodeId,
      n.kind,
      String(n.failures),
      String(n.executions),
      String(n.retries),
    ]),
  );
  say();
  say("tokens and cost by model");
  printTable(
    ["model", "prompt", "completion", "cached", "calls", "cost"],
    body.models.map((m) => [
      m.model,
      String(m.promptTokens),
      String(m.completionTokens),
      String(m.cachedTokens),
      String(m.calls),
      usd(m.costUsd),
    ]),
  );
  return undefined;
}
