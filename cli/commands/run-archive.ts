import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { Readable, type Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { Command } from "commander";
import { readErrorEnvelope } from "../../core/wire/error-envelope";
import { ARCHIVE_MEDIA_TYPE, MAX_EXPORT_RUNS, type SummaryLine } from "../../core/wire/run-archive";
import { ApiFailure, callRaw, unreachable } from "../client";
import { action, integer, leaf } from "../command";
import type { Context } from "../context";
import { CliError, EXIT, UsageError } from "../errors";
import { printJson, say, warn } from "../output";
import { filtered, type RunFilterOptions, runFilterQuery, withRunFilter } from "./run-filter";

/*
 * `aob runs export` and `aob runs import` (docs/LIFECYCLE.md, "Export and import"): a run's
 * archive, or a filter's, to a file or stdout, and an archive imported as archived runs.
 */

export function registerRunArchive(group: Command): void {
  withRunFilter(
    leaf(
      group,
      "export [run]",
      "write a run's whole record (or, without RUN, the ended runs of a filter) as an archive",
    ),
  )
    .option("-o, --output <file>", "write it to this file instead of stdout")
    .option(
      "--limit <n>",
      `runs per part of a filter's export (1-${MAX_EXPORT_RUNS})`,
      integer(1, MAX_EXPORT_RUNS),
      100,
    )
    .option("--all", "follow the filter through every part, into one archive")
    .action(action(exportRuns));
  leaf(
    group,
    "import <file>",
    "import an archive (a file, or - for stdin) as read-only runs",
  ).action(action(importRuns));
}

type ExportOptions = RunFilterOptions & { output?: string; limit: number; all?: boolean };

async function exportRuns(ctx: Context, runId: string | undefined, opts: ExportOptions) {
  if (runId !== undefined && (filtered(opts) || opts.all)) {
    throw new UsageError("give a run, or a filter (--status, --workflow, ... --all), not both");
  }
  const sink = opened(opts.output);
  try {
    const summary =
      runId === undefined
        ? await exportFilter(ctx, opts, sink.stream)
        : await exportOne(ctx, runId, sink.stream);
    await sink.done();
    report(ctx, opts.output, summary);
  } catch (err) {
    sink.abandon();
    throw err;
  }
  return undefined;
}

/** One run's archive, as it comes. */
async function exportOne(ctx: Context, runId: string, out: Writable): Promise<SummaryLine> {
  const res = await callRaw(ctx.api.runs[":id"].export.$get({ param: { id: runId } }));
  for await (const line of lines(res)) out.write(`${line}\n`);
  return { type: "summary", runs: 1, skipped: [], nextCursor: null };
}

/**
 * A filter's runs: one part, or with --all every part, written as one archive ending with one
 * summary line (each part's own summary is left out).
 */
async function exportFilter(
  ctx: Context,
  opts: ExportOptions,
  out: Writable,
): Promise<SummaryLine> {
  const filter = await runFilterQuery(ctx, opts);
  const total: SummaryLine = { type: "summary", runs: 0, skipped: [], nextCursor: null };
  let cursor: string | null = null;
  do {
    const query = { ...filter, limit: String(opts.limit), ...(cursor ? { cursor } : {}) };
    const res = await callRaw(ctx.api.runs.export.$get({ query }));
    let part: SummaryLine | null = null;
    for await (const line of lines(res)) {
      if (line.startsWith('{"type":"summary"')) part = JSON.parse(line) as SummaryLine;
      else out.write(`${line}\n`);
    }
    if (!part) throw new CliError("the export broke off before its summary line", EXIT.failed);
    total.runs += part.runs;
    total.skipped.push(...part.skipped);
    cursor = part.nextCursor;
    total.nextCursor = cursor;
  } while (opts.all && cursor);
  out.write(`${JSON.stringify(total)}\n`);
  return total;
}

/** A response body's lines (a line may be megabytes: a blob piece). */
async function* lines(res: { body: ReadableStream<Uint8Array> | null }): AsyncGenerator<string> {
  if (!res.body) return;
  const input = Readable.fromWeb(res.body as unknown as NodeReadableStream);
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line !== "") yield line;
  }
}

/**
 * Where an export goes: stdout, or a file written beside its name and moved there once whole,
 * so a download that breaks off never leaves a file that looks complete.
 */
function opened(file: string | undefined) {
  if (file === undefined) {
    return { stream: process.stdout as Writable, done: async () => {}, abandon: () => {} };
  }
  const partial = `${file}.partial`;
  const stream = createWriteStream(partial);
  return {
    stream: stream as Writable,
    done: async () => {
      stream.end();
      await finished(stream);
      renameSync(partial, file);
    },
    abandon: () => {
      stream.destroy();
      rmSync(partial, { force: true });
    },
  };
}

function report(ctx: Context, file: string | undefined, summary: SummaryLine): void {
  if (ctx.json) {
    if (file !== undefined) printJson({ file, ...summary });
    return;
  }
  const where = file === undefined ? "" : ` to ${file}`;
  const runs = summary.runs === 1 ? "1 run" : `${summary.runs} runs`;
  warn(`exported ${runs}${where}`);
  for (const s of summary.skipped) warn(`left out run ${s.id}: it is ${s.status}`);
  if (summary.nextCursor) warn("more runs match: add --all to export every part");
}

/** Streams the archive to `POST /api/runs/import`; prints each run's new id. */
async function importRuns(ctx: Context, file: string) {
  if (file !== "-") {
    try {
      statSync(file);
    } catch {
      throw new UsageError(`no such file: ${file}`);
    }
  }
  const source = file === "-" ? process.stdin : createReadStream(file);
  const { url, apiKey } = ctx.credentials();
  let res: Response;
  try {
    res = await fetch(new URL("/api/runs/import", url), {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": ARCHIVE_MEDIA_TYPE },
      body: Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>,
      duplex: "half",
    } as RequestInit);
  } catch (err) {
    throw unreachable(err);
  }
  const text = await res.text();
  if (!res.ok) {
    const { code, message, issues } = readErrorEnvelope(res.status, text);
    throw new ApiFailure(res.status, code, message, issues);
  }
  const body = JSON.parse(text) as { runs: { sourceRunId: string; runId: string }[] };
  if (ctx.json) printJson(body);
  else for (const r of body.runs) say(`${r.sourceRunId} -> ${r.runId} (archived)`);
  return undefined;
}
