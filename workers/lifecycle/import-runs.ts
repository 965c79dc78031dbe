/**
 * Importing run archives (docs/LIFECYCLE.md, "Export and import"; the format is core/wire/
 * run-archive.ts) as read-only archived runs. The body streams through: lines are checked one
 * at a time (core/wire/archive-reader.ts), events go to the new run's object in batches and
 * blobs to R2 piece by piece, each hashed as it goes and kept only if its bytes are its hash.
 *
 * All or nothing: every run is recorded invisible (a deletion lease, db/archives.ts) until the
 * whole archive has been read, then all are sealed at once; on any refusal every run begun is
 * deleted again, and should the importer die, the sweep deletes them when the lease ends.
 */

import { Buffer } from "node:buffer";
import { createHash, type Hash } from "node:crypto";
import { casKey } from "../../core/cas/hash";
import { ArchiveError, ArchiveReader, type ArchiveStep } from "../../core/wire/archive-reader";
import { LineTooLong, ndjsonLines } from "../../core/wire/ndjson";
import { MAX_IMPORT_BYTES, MAX_LINE_CHARS, type RunLine } from "../../core/wire/run-archive";
import { insertImportedRun, sealImportedRuns } from "../../db/archives";
import { holdBlobs } from "../../db/blobs";
import type { SealedArchive } from "../../durable-objects/run/archive";
import { type RunRpc, runObject } from "../../durable-objects/run/rpc";
import type { StoredEvent } from "../../durable-objects/run/store";
import { type BlobWriter, StreamWriter } from "../../platform/blob-writer";
import { newId } from "../api/ids";
import { deleteRun } from "./delete-run";

/** How long an import's runs stay invisible before the sweep may take them for a dead import. */
export const IMPORT_LEASE_MS = 60 * 60 * 1000;
/** Events handed to a run's object per call, or fewer when they hold this many characters. */
const EVENTS_PER_CALL = 1000;
const EVENT_CHARS_PER_CALL = 4 * 1024 * 1024;

/** A run imported: its id where it ran, and its id here. */
export interface Imported {
  sourceRunId: string;
  runId: string;
}

/** The run being imported. */
interface Importing {
  runId: string;
  run: RunLine;
  stub: RunRpc;
  nodes: SealedArchive["view"]["nodes"];
  approvals: SealedArchive["approvals"];
  patches: SealedArchive["view"]["patches"];
  events: StoredEvent[];
  eventChars: number;
  blob: { hash: string; hashing: Hash; writer: BlobWriter; key: string } | null;
}

/**
 * Imports every run of an archive into the tenant, or none: a refusal throws an ArchiveError
 * (its line and path) after undoing what it began.
 * @example
 * const imported = await importRuns(env, "t_a", request.body);
 */
export async function importRuns(
  env: Pick<Env, "DB" | "BLOBS" | "RUNS">,
  tenantId: string,
  body: ReadableStream<Uint8Array>,
): Promise<Imported[]> {
  const begun: string[] = [];
  const imported: Imported[] = [];
  const now = Date.now();
  let current: Importing | null = null;
  let lastLine = 0;
  try {
    const reader = new ArchiveReader();
    const text = decoded(body, MAX_IMPORT_BYTES);
    for await (const { text: json, line } of ndjsonLines(text, MAX_LINE_CHARS)) {
      lastLine = line;
      const step = reader.take(json, line);
      current = await apply(env, tenantId, now, step, current, begun, imported, line);
    }
    reader.finish(lastLine + 1);
    await sealImportedRuns(env.DB, begun, Date.now());
    return imported;
  } catch (err) {
    await current?.blob?.writer.abort();
    for (const runId of begun) await deleteRun(env, runId, { tenantId });
    if (err instanceof LineTooLong) throw new ArchiveError(err.line, [], err.message);
    if (err instanceof TooLarge) throw new ArchiveError(lastLine + 1, [], err.message);
    throw err;
  }
}

async function apply(
  env: Pick<Env, "DB" | "BLOBS" | "RUNS">,
  tenantId: string,
  now: number,
  step: ArchiveStep,
  current: Importing | null,
  begun: string[],
  imported: Imported[],
  line: number,
): Promise<Importing | null> {
  switch (step.kind) {
    case "summary":
      return current;
    case "run": {
      const runId = newId("run");
      const { view } = step.run;
      begun.push(runId);
      await insertImportedRun(
        env.DB,
        {
          id: runId,
          tenantId,
          workflowId: view.workflowId,
          version: view.version,
          status: view.status,
          error: view.error ? JSON.stringify(view.error) : null,
          outputHash: view.outputHash ?? null,
          createdAt: view.createdAt,
          finishedAt: view.finishedAt ?? null,
          tokens: view.usage.promptTokens + view.usage.completionTokens,
          costUsd: view.usage.costUsd,
          events: view.lastSeq,
          trigger: step.run.run.trigger,
          held: step.run.run.held,
          archivedFrom: step.run.run.id,
        },
        now + IMPORT_LEASE_MS,
      );
      imported.push({ sourceRunId: step.run.run.id, runId });
      return {
        runId,
        run: step.run,
        stub: runObject(env, runId),
        nodes: [],
        approvals: [],
        patches: [],
        events: [],
        eventChars: 0,
        blob: null,
      };
    }
  }
  const run = current!;
  switch (step.kind) {
    case "node":
      run.nodes.push(step.line.node);
      return run;
    case "approval":
      run.approvals.push(step.line.approval);
      return run;
    case "patch":
      run.patches.push(step.line.patch);
      return run;
    case "event":
      run.events.push(step.line.event);
      run.eventChars += JSON.stringify(step.line.event).length;
      if (run.events.length >= EVENTS_PER_CALL || run.eventChars >= EVENT_CHARS_PER_CALL) {
        await flushEvents(run);
      }
      return run;
    case "blob":
      await writePiece(env, tenantId, run, step, line);
      return run;
    case "end": {
      await flushEvents(run);
      const { view, run: source, definition, input, exportedAt } = run.run;
      await run.stub.seal({
        view: {
          ...view,
          id: run.runId,
          held: source.held,
          nodes: run.nodes,
          patches: run.patches,
          approvals: run.approvals.map((a) => ({
            ...a,
            votes: a.votes.map(({ data: _data, ...v }) => v),
          })),
          archived: {
            sourceRunId: source.id,
            workflowName: source.workflowName,
            exportedAt,
            importedAt: now,
          },
        },
        approvals: run.approvals,
        definition,
        input,
      });
      return null;
    }
  }
}

async function flushEvents(run: Importing): Promise<void> {
  if (run.events.length === 0) return;
  await run.stub.importEvents(run.events);
  run.events = [];
  run.eventChars = 0;
}

/**
 * One piece of a blob: the first opens its write under the new run's own prefix (so a piece
 * that never comes leaves an orphan the run's deletion finds), the last checks the hash and
 * only then records the run's hold, so no archive can claim bytes it does not carry (a hold is
 * what lets a tenant read a hash). A response body stays where it was written, as a streamed
 * body does; a node's output moves to its content address.
 */
async function writePiece(
  env: Pick<Env, "DB" | "BLOBS">,
  tenantId: string,
  run: Importing,
  step: Extract<ArchiveStep, { kind: "blob" }>,
  line: number,
): Promise<void> {
  const { blob } = step;
  if (step.first) {
    const key = `cas/stream/${run.runId}/${crypto.randomUUID()}`;
    run.blob = {
      hash: blob.hash,
      hashing: createHash("sha256"),
      writer: new StreamWriter(env.BLOBS, key, blob.contentType, blob.bytes),
      key,
    };
  }
  const open = run.blob!;
  const bytes = Buffer.from(blob.data, "base64");
  open.hashing.update(bytes);
  await open.writer.write(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (!step.last) return;
  run.blob = null;
  const hash = open.hashing.digest("hex");
  if (hash !== blob.hash) {
    await open.writer.abort();
    throw new ArchiveError(
      line,
      ["hash"],
      `line ${line}: blob ${blob.hash}'s bytes hash to ${hash}: the archive is damaged`,
    );
  }
  await open.writer.close();
  const record = {
    tenantId,
    hash,
    bytes: blob.bytes,
    contentType: blob.contentType,
    runId: run.runId,
    createdAt: Date.now(),
  };
  if (blob.kind === "stream") {
    await holdBlobs(env.DB, [{ ...record, key: open.key }]);
    return;
  }
  // A node's output goes to its content address, as a run would have written it: held first
  // (docs/LIFECYCLE.md, "Blobs"), copied unless it is there already, then the upload goes.
  const key = casKey(hash);
  await holdBlobs(env.DB, [{ ...record, key }]);
  if (!(await env.BLOBS.head(key))) {
    const upload = await env.BLOBS.get(open.key);
    if (!upload) throw new Error(`blob ${hash}'s upload vanished`);
    const { readable, writable } = new FixedLengthStream(upload.size);
    const copied = upload.body.pipeTo(writable);
    await env.BLOBS.put(key, readable, { httpMetadata: { contentType: blob.contentType } });
    await copied;
  }
  await env.BLOBS.delete(open.key);
}

/**
 * The stream's text, chunk by chunk, failing once more than `max` bytes came; stopping early
 * cancels the stream. Read directly, not piped: a pipe left reading a request body the answer
 * has already refused fails on its own, unhandled.
 */
async function* decoded(stream: ReadableStream<Uint8Array>, max: number): AsyncGenerator<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += value.byteLength;
      if (seen > max) throw new TooLarge(`the archive is larger than ${max} bytes`);
      yield decoder.decode(value, { stream: true });
    }
    yield decoder.decode();
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

class TooLarge extends Error {}
