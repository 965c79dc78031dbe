import type { Command } from "commander";
import { call } from "../client";
import { action, integer, leaf } from "../command";
import type { Context } from "../context";
import { formatDuration, printJson, printTable, say } from "../output";
import { type PageOptions, pagesAsked, withPaging } from "../paging";
import type { RunDiffBody as Diff } from "../types";

type Row = Diff["nodes"][number];
type Side = Row["a"];

/** The mark of the first divergence in the table's first column; `≠` marks the others. */
export const FIRST_MARK = "▶";

/** `aob runs diff A B`: two runs compared node by node, the first divergence marked. */
export function registerRunDiff(group: Command): void {
  withPaging(
    leaf(group, "diff <a> <b>", "compare two runs node by node, marking the first divergence"),
  )
    .option("--only-different", "leave out the nodes that are the same")
    .option("--limit <n>", "nodes per page (1-500)", integer(1, 500), 100)
    .action(action(diff));
}

type Options = PageOptions & { onlyDifferent?: boolean; limit: number };

async function diff(ctx: Context, a: string, b: string, opts: Options) {
  let head: Diff | undefined;
  const page = await pagesAsked(opts, `aob runs diff ${a} ${b}`, async (cursor) => {
    const query = {
      limit: String(opts.limit),
      ...(opts.onlyDifferent ? { only: "different" as const } : {}),
      ...(cursor ? { cursor } : {}),
    };
    const body = await call(ctx.api.runs[":a"].diff[":b"].$get({ param: { a, b }, query }));
    head ??= body;
    return { items: body.nodes, nextCursor: body.nextCursor };
  });
  const first = head!;
  if (ctx.json) {
    printJson({ ...first, nodes: page.items, nextCursor: page.nextCursor });
    return undefined;
  }
  say(`a: ${runLine(first.a)}`);
  say(`b: ${runLine(first.b)}`);
  const { summary } = first;
  const only = [
    summary.onlyA ? `${summary.onlyA} in a only` : "",
    summary.onlyB ? `${summary.onlyB} in b only` : "",
  ].filter(Boolean);
  say(
    `${summary.nodes} nodes: ${summary.same} the same, ${summary.different} differ${only.length ? ` (${only.join(", ")})` : ""}`,
  );
  const divergence = first.firstDivergence;
  say(
    divergence
      ? `${FIRST_MARK} first divergence: node ${divergence.nodeId} (${divergence.differences.map(words).join(", ")})`
      : "no divergence: every node has the same status and output",
  );
  say();
  const spent = page.items.some((r) => (r.a?.tokens ?? 0) + (r.b?.tokens ?? 0) > 0);
  printTable(
    [
      "",
      "node",
      "type",
      "status a",
      "status b",
      "output",
      "took a",
      "took b",
      ...(spent ? ["tokens a/b", "cost a/b"] : []),
    ],
    page.items.map((r) => [
      r.id === divergence?.nodeId ? FIRST_MARK : r.differences.length > 0 ? "≠" : "",
      r.id,
      r.type,
      r.a?.status ?? "(none)",
      r.b?.status ?? "(none)",
      outputCell(r),
      took(r.a),
      took(r.b),
      ...(spent ? [`${r.a?.tokens ?? 0}/${r.b?.tokens ?? 0}`, `${cost(r.a)}/${cost(r.b)}`] : []),
    ]),
    opts.onlyDifferent ? "no node differs" : "no nodes",
  );
  return undefined;
}

function runLine(run: Diff["a"]): string {
  const took = run.durationMs === null ? "" : `, took ${formatDuration(run.durationMs)}`;
  const replay = run.replayOf
    ? `, a replay of ${run.replayOf.sourceRunId} from node ${run.replayOf.fromNode}`
    : "";
  return `${run.id} (${run.workflowId} v${run.version}, ${run.status}${took}${replay})`;
}

function words(difference: Row["differences"][number]): string {
  switch (difference) {
    case "status":
      return "status";
    case "output":
      return "output";
    case "only_a":
      return "only in a";
    case "only_b":
      return "only in b";
  }
}

function outputCell(r: Row): string {
  if (!r.a) return "only in b";
  if (!r.b) return "only in a";
  if (r.a.outputHash === null && r.b.outputHash === null) return "-";
  return r.sameOutput ? "same" : "differs";
}

const took = (side: Side) => (side?.durationMs == null ? "-" : formatDuration(side.durationMs));

const cost = (side: Side) =>
  side === null ? "-" : side.costUsd === null ? "?" : `$${side.costUsd.toFixed(4)}`;
