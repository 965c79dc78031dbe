import type { Command } from "commander";
import { call } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { printJson, printTable } from "../output";

/** `aob node-types`: the kind registry (what a workflow's `type` may be). */
export function registerNodeTypes(program: Command): void {
  leaf(program, "node-types", "list the node kinds a workflow may use").action(action(nodeTypes));
}

async function nodeTypes(ctx: Context) {
  const body = await call(ctx.api["node-types"].$get());
  if (ctx.json) {
    printJson(body);
    return undefined;
  }
  printTable(
    ["type", "status", "execution", "description"],
    body.nodeTypes.map((k) => [k.type, k.status, k.execution, k.description]),
  );
  return undefined;
}
