import { createWriteStream, rmSync, writeFileSync } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { Command } from "commander";
import { type FoundBlob, findBlobs, isTextual } from "../../core/wire/blob-content";
import { ApiFailure, call, callRaw } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { CliError, EXIT, UsageError } from "../errors";
import { printJson, say } from "../output";

const HASH = /^[0-9a-f]{64}$/;

/** `aob output RUN NODE` and `aob blob HASH`: a node's output or a blob, to a file or stdout. */
export function registerBlobs(program: Command): void {
  leaf(
    program,
    "output <run> <node>",
    "write a node's output to stdout or a file: its JSON, or the bytes of the blob it is",
  )
    .option("-o, --output <file>", "write it to this file instead of stdout")
    .option(
      "--blob [path]",
      "write the bytes of the blob inside the output (an http node's streamed body); PATH picks one when there are several",
    )
    .action(action(output));
  leaf(
    program,
    "blob <hash>",
    "write a blob (an output or response body, by its hash) to stdout or a file",
  )
    .option("-o, --output <file>", "write it to this file instead of stdout")
    .action(action(blob));
}

async function output(
  ctx: Context,
  runId: string,
  nodeId: string,
  opts: { output?: string; blob?: string | true },
) {
  const run = await call(ctx.api.runs[":id"].$get({ param: { id: runId } }));
  const node = run.nodes.find((n) => n.id === nodeId);
  if (!node) {
    const ids = run.nodes.map((n) => n.id).join(", ");
    throw new CliError(`run ${runId} has no node ${nodeId} (its nodes: ${ids})`, EXIT.failed);
  }
  if (node.output === undefined && node.outputHash === undefined) {
    throw new CliError(`node ${nodeId} has no output (it is ${node.status})`, EXIT.failed);
  }
  // An output too large to come inline is read from the blob store: its JSON as stored,
  // streamed, unless a blob inside it is wanted.
  if (node.output === undefined && opts.blob === undefined) {
    return download(ctx, node.outputHash as string, opts.output);
  }
  const value =
    node.output !== undefined ? node.output : await storedJson(ctx, node.outputHash as string);
  const blobs = findBlobs(value);
  if (opts.blob !== undefined) {
    return download(ctx, pick(nodeId, blobs, opts.blob).marker.$blob, opts.output);
  }
  // An output that is a blob marker stands for the blob: its bytes are the output.
  if (blobs[0]?.path === "") return download(ctx, blobs[0].marker.$blob, opts.output);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (opts.output === undefined) {
    process.stdout.write(text);
    return undefined;
  }
  writeFileSync(opts.output, text);
  written(ctx, {
    file: opts.output,
    bytes: Buffer.byteLength(text),
    contentType: "application/json",
  });
  return undefined;
}

/** The blob `--blob` names: the only one, or the one at its path. */
function pick(nodeId: string, blobs: FoundBlob[], path: string | true): FoundBlob {
  const listed = blobs.map((b) => `${b.path || "(the output)"}: ${b.marker.$blob}`).join(", ");
  if (blobs.length === 0) throw new CliError(`the output of node ${nodeId} holds no blob`);
  if (path === true) {
    if (blobs.length === 1) return blobs[0] as FoundBlob;
    throw new UsageError(
      `the output of node ${nodeId} holds ${blobs.length} blobs (${listed}): name one with --blob PATH, or use \`aob blob HASH\``,
    );
  }
  const found = blobs.find((b) => b.path === path);
  if (!found)
    throw new UsageError(`no blob at ${path} in the output of node ${nodeId} (${listed})`);
  return found;
}

async function blob(ctx: Context, hash: string, opts: { output?: string }) {
  if (!HASH.test(hash)) throw new UsageError(`${hash} is not a blob hash (64 hex characters)`);
  return download(ctx, hash, opts.output);
}

/** Reads a blob, mapping a 404 to what it means here. */
async function fetchBlob(ctx: Context, hash: string) {
  try {
    return await callRaw(ctx.api.blobs[":hash"].$get({ param: { hash } }));
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) {
      throw new CliError(
        `no such blob for this tenant: ${hash}`,
        EXIT.failed,
        "not_found",
        [],
        404,
      );
    }
    throw err;
  }
}

async function storedJson(ctx: Context, hash: string): Promise<unknown> {
  return (await fetchBlob(ctx, hash)).json();
}

/**
 * Streams a blob to the file (removed again if the transfer breaks off) or to stdout. Binary
 * bytes are not written to a terminal, where they would garble the screen.
 */
async function download(ctx: Context, hash: string, file: string | undefined) {
  const res = await fetchBlob(ctx, hash);
  const contentType = res.headers.get("content-type") ?? "application/octet-stream";
  // A body the server or a proxy compressed is decoded here: its length is not the header's.
  const expected = res.headers.has("content-encoding")
    ? Number.NaN
    : Number(res.headers.get("content-length") ?? Number.NaN);
  if (file === undefined && process.stdout.isTTY && !isTextual(contentType)) {
    await res.body?.cancel();
    throw new CliError(
      `blob ${hash} is ${contentType}: binary, so not written to a terminal; use -o FILE or a pipe`,
    );
  }
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const body = res.body
    ? Readable.fromWeb(res.body as unknown as NodeReadableStream)
    : Readable.from([]);
  try {
    await pipeline(body, count, file === undefined ? process.stdout : createWriteStream(file));
  } catch (err) {
    if (file !== undefined) rmSync(file, { force: true });
    throw new CliError(
      `reading blob ${hash} broke off after ${bytes} bytes: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (Number.isFinite(expected) && bytes !== expected) {
    if (file !== undefined) rmSync(file, { force: true });
    throw new CliError(`blob ${hash} ended after ${bytes} of ${expected} bytes`);
  }
  if (file !== undefined) written(ctx, { file, bytes, contentType, hash });
  return undefined;
}

function written(
  ctx: Context,
  what: { file: string; bytes: number; contentType: string; hash?: string },
): void {
  if (ctx.json) printJson(what);
  else say(`wrote ${what.bytes} bytes (${what.contentType}) to ${what.file}`);
}
