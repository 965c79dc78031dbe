import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { WorkflowDefinitionInput } from "../../core/workflow/definition";
import { call } from "../client";
import { action, integer, leaf } from "../command";
import type { Context } from "../context";
import { CliError, EXIT, type ExitCode, formatIssues, UsageError } from "../errors";
import { readJsonFile } from "../input";
import { formatTime, printJson, printTable, say, warn } from "../output";
import { type PageOptions, pagesAsked, withPaging } from "../paging";
import { ask } from "../prompt";
import { resolveWorkflow, workflowsNamed } from "./resolve";

/** `aob workflows list|get|push|validate|delete|export`. */
export function registerWorkflows(program: Command): void {
  const group = program.command("workflows").description("list, read, push and validate workflows");
  withPaging(leaf(group, "list", "list workflows, most recently changed first"))
    .option("--limit <n>", "at most this many per page (1-500)", integer(1, 500), 100)
    .action(action(list));
  leaf(group, "get <id>", "show a workflow and the nodes of its latest (or given) version")
    .option("--version <n>", "a given version", integer(1, 1_000_000))
    .action(action(get));
  leaf(group, "push <file>", "create a workflow from a JSON file, or add a version to it")
    .option("--id <id>", "add a version to this workflow")
    .option("--create", "always create a new workflow, even if one has the same name")
    .action(action(push));
  leaf(group, "validate <file>", "check a definition; errors print with their JSON path").action(
    action(validate),
  );
  leaf(group, "delete <workflow>", "delete a workflow (by id or name); --with-runs: its runs too")
    .option("--with-runs", "also delete its runs and everything they stored (cannot be undone)")
    .option("--yes", "do not ask (needed without a terminal)")
    .action(action(remove));
  leaf(group, "export <id>", "print a version's definition as JSON (the format push reads)")
    .option("--version <n>", "a given version", integer(1, 1_000_000))
    .option("-o, --output <file>", "write it to a file instead of stdout")
    .action(action(exportDefinition));
}

async function list(ctx: Context, opts: { limit: number } & PageOptions) {
  const page = await pagesAsked(opts, "aob workflows list", async (cursor) => {
    const query = { limit: String(opts.limit), ...(cursor ? { cursor } : {}) };
    const body = await call(ctx.api.workflows.$get({ query }));
    return { items: body.workflows, nextCursor: body.nextCursor };
  });
  if (ctx.json) printJson({ workflows: page.items, nextCursor: page.nextCursor });
  else
    printTable(
      ["id", "name", "version", "updated"],
      page.items.map((w) => [w.id, w.name, String(w.latestVersion), formatTime(w.updatedAt)]),
      "no workflows yet: push one with `aob workflows push FILE`",
    );
  return undefined;
}

function versionQuery(version: number | undefined) {
  return version === undefined ? {} : { version: String(version) };
}

async function get(ctx: Context, id: string, opts: { version?: number }) {
  const wf = await call(
    ctx.api.workflows[":id"].$get({ param: { id }, query: versionQuery(opts.version) }),
  );
  if (ctx.json) {
    printJson(wf);
    return undefined;
  }
  say(`${wf.name} (${wf.id})`);
  if (wf.description) say(wf.description);
  say(`version ${wf.version} of ${wf.latestVersion}, updated ${formatTime(wf.updatedAt)}`);
  const def = wf.definition;
  const nodes = isRecord(def) && Array.isArray(def.nodes) ? def.nodes.filter(isRecord) : [];
  const edges = isRecord(def) && Array.isArray(def.edges) ? def.edges.length : 0;
  say(`${nodes.length} nodes, ${edges} edges`);
  say(`admission: ${wf.admission.tier} tier (${wf.admission.reason})`);
  const flow = flowLine(def);
  if (flow) say(`flow control: ${flow}`);
  say();
  printTable(
    ["node", "type"],
    nodes.map((n) => [String(n.id), String(n.type)]),
  );
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Without `--id`, a workflow with the definition's `name` gets a new version (exactly one must
 * match); no match creates one. `--create` always creates.
 */
async function push(ctx: Context, file: string, opts: { id?: string; create?: boolean }) {
  const definition = readJsonFile(file);
  let id = opts.id;
  if (
    id === undefined &&
    !opts.create &&
    isRecord(definition) &&
    typeof definition.name === "string"
  ) {
    const name = definition.name;
    const same = await workflowsNamed(ctx, name);
    if (same.length > 1) {
      throw new CliError(
        `${same.length} workflows are named "${name}" (${same.map((w) => w.id).join(", ")}): choose one with --id, or --create a new one`,
      );
    }
    id = same[0]?.id;
  }
  // Sent as read: the API validates it and answers each problem with its path.
  const json = definition as WorkflowDefinitionInput;
  const body =
    id === undefined
      ? await call(ctx.api.workflows.$post({ json }))
      : await call(ctx.api.workflows[":id"].$put({ param: { id }, json }));
  if (ctx.json) {
    printJson({ ...body, created: id === undefined });
    return undefined;
  }
  say(`${id === undefined ? "created" : "updated"} ${body.id}, version ${body.version}`);
  for (const line of formatIssues(body.warnings, "warning: ")) warn(line);
  return undefined;
}

async function validate(ctx: Context, file: string) {
  const definition = readJsonFile(file);
  const result = await call(ctx.api.workflows.validate.$post({ json: definition }));
  if (ctx.json) printJson(result);
  else {
    say(result.valid ? `${file} is valid` : `${file} has ${result.errors.length} error(s):`);
    for (const line of formatIssues(result.errors)) say(line);
    for (const line of formatIssues(result.warnings, "warning: ")) say(line);
  }
  return result.valid ? EXIT.ok : EXIT.failed;
}

async function exportDefinition(
  ctx: Context,
  id: string,
  opts: { version?: number; output?: string },
) {
  const wf = await call(
    ctx.api.workflows[":id"].$get({ param: { id }, query: versionQuery(opts.version) }),
  );
  const text = `${JSON.stringify(wf.definition, null, 2)}\n`;
  if (opts.output) {
    writeFileSync(opts.output, text);
    if (ctx.json) printJson({ id: wf.id, version: wf.version, output: opts.output });
    else say(`wrote version ${wf.version} of ${wf.id} to ${opts.output}`);
  } else process.stdout.write(text);
  return undefined;
}

async function remove(
  ctx: Context,
  ref: string,
  opts: { withRuns?: boolean; yes?: boolean },
): Promise<ExitCode | undefined> {
  const id = await resolveWorkflow(ctx, ref);
  const what = opts.withRuns
    ? `workflow ${id} with all its runs, their events, outputs and blobs`
    : `workflow ${id} (its runs stay)`;
  if (!opts.yes) {
    if (!ctx.interactive) throw new UsageError(`deleting ${what}: confirm with --yes`);
    if (!/^y(es)?$/i.test(await ask(`Delete ${what}? This cannot be undone. [y/N] `))) {
      say("nothing deleted");
      return EXIT.failed;
    }
  }
  const runs = opts.withRuns ? "delete" : "keep";
  const res = await ctx.api.workflows[":id"].$delete({ param: { id }, query: { runs } });
  if (!res.ok) await call(Promise.resolve(res)); // throws the API's refusal
  const body = res.status === 202 ? ((await res.json()) as { runs: number }) : null;
  if (ctx.json)
    printJson({ workflowId: id, deleted: true, runs: body?.runs ?? 0, withRuns: !!body });
  else if (body)
    say(`workflow ${id} deleted; its ${body.runs} runs are deleted by the sweep (200 a minute)`);
  else say(`workflow ${id} deleted; its runs stay`);
  return undefined;
}

/** A definition's flow rules in a line (docs/FLOW-CONTROL.md); empty without any. */
function flowLine(def: unknown): string {
  if (!isRecord(def)) return "";
  const parts: string[] = [];
  const { concurrency, throttle, debounce } = def;
  if (isRecord(concurrency)) parts.push(`at most ${String(concurrency.limit)} active at once`);
  if (isRecord(throttle)) {
    parts.push(`${String(throttle.limit)} starts per ${String(throttle.periodSeconds)} s`);
  }
  if (isRecord(debounce)) parts.push(`debounced over ${String(debounce.periodSeconds)} s`);
  const rule = [concurrency, throttle, debounce].find(isRecord);
  if (parts.length > 0 && typeof rule?.key === "string") parts.push(`per key ${rule.key}`);
  return parts.join(", ");
}
