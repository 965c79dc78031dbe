import type { Command } from "commander";
import { call } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { brief, formatTime, printJson, printTable, say } from "../output";
import { everyPage } from "../paging";

/** `aob patches list RUN`: every patch proposed to a run, by an agent or a person, with its outcome. */
export function registerPatches(program: Command): void {
  const group = program
    .command("patches")
    .description("the patches agents and people proposed to a running graph");
  leaf(
    group,
    "list <run>",
    "list a run's patches in order: source, ops, outcome and problems",
  ).action(action(list));
}

async function list(ctx: Context, runId: string) {
  const patches = await everyPage(async (cursor) => {
    const query = cursor ? { cursor } : {};
    const page = await call(ctx.api.runs[":id"].patches.$get({ param: { id: runId }, query }));
    return { items: page.patches, nextCursor: page.nextCursor };
  });
  const body = { patches };
  if (ctx.json) {
    printJson(body);
    return undefined;
  }
  printTable(
    ["id", "status", "from", "proposed", "ops"],
    body.patches.map((p) => [
      String(p.id),
      p.status,
      p.source.kind === "agent"
        ? `agent ${p.source.nodeId} (attempt ${p.source.attempt})`
        : `${p.source.by}`,
      formatTime(p.proposedAt),
      brief(p.ops.map(describeOp).join(", "), 70),
    ]),
    `run ${runId} has no patches`,
  );
  for (const p of body.patches) {
    if (p.reason) say(`patch ${p.id}: ${p.reason}`);
    for (const problem of p.problems ?? [])
      say(`patch ${p.id} rejected at ${problem.at}: ${problem.message}`);
  }
  return undefined;
}

function describeOp(op: { op: string } & Record<string, unknown>): string {
  switch (op.op) {
    case "add_node": {
      const node = op.node as { id: string; type: string };
      return `+${node.id} (${node.type})`;
    }
    case "add_edge": {
      const edge = op.edge as { from: string; to: string; on?: string };
      return `+${edge.from}→${edge.to}${edge.on ? `[${edge.on}]` : ""}`;
    }
    case "remove_edge":
      return `-${String(op.from)}→${String(op.to)}${op.on ? `[${String(op.on)}]` : ""}`;
    case "update_node":
      return `~${String(op.id)}`;
    default:
      return op.op;
  }
}
