/**
 * A run's archive (docs/LIFECYCLE.md, "Export and import"; the format is core/wire/
 * run-archive.ts): its section's lines, produced one at a time so a download of any size holds
 * one blob piece in memory at most. The API streams them (workers/api/routes/run-archive.ts).
 */
import { Buffer } from "node:buffer";
import {
  ARCHIVE_FORMAT,
  type ArchiveCounts,
  type ArchiveLine,
  BLOB_PIECE_BYTES,
} from "../../core/wire/run-archive";
import { type ExportedRunRow, runHolds } from "../../db/archives";
import { findVersion } from "../../db/workflows";
import { MAX_EVENTS_PER_CALL, runObject } from "../../durable-objects/run/rpc";

/** Why a run could not be exported; the API answers it as a 409 or 404. */
export class ExportRefused extends Error {
  constructor(
    readonly code: "not_found" | "run_active" | "definition_gone",
    message: string,
    /** The run's status, when it is active. */
    readonly status?: string,
  ) {
    super(message);
  }
}

/** Blob records read per D1 query. */
const HOLDS_PER_PAGE = 100;

/**
 * The lines of run `runId`'s section, as JSON text without newlines. The run must have ended:
 * an active one is refused before the first line.
 * @example
 * for await (const line of runSection(env, runId, row, Date.now())) write(`${line}\n`);
 */
export async function* runSection(
  env: Pick<Env, "DB" | "BLOBS" | "RUNS">,
  runId: string,
  row: ExportedRunRow,
  exportedAt: number,
): AsyncGenerator<string> {
  const stub = runObject(env, runId);
  const record = await stub.record();
  if (!record) throw new ExportRefused("not_found", `run ${runId} not found`);
  const { view, approvals, input } = record;
  if (view.status !== "completed" && view.status !== "failed" && view.status !== "cancelled") {
    throw new ExportRefused(
      "run_active",
      `run ${runId} is still ${view.status}; export it once it has ended`,
      view.status,
    );
  }
  const definition = record.definition ?? (await versionDefinition(env.DB, view));
  const { nodes, approvals: _summaries, patches, held: _held, ...rest } = view;
  const line = (value: ArchiveLine) => JSON.stringify(value);
  const counts: ArchiveCounts = { nodes: 0, approvals: 0, patches: 0, events: 0, blobs: 0 };
  yield line({
    type: "run",
    format: ARCHIVE_FORMAT,
    exportedAt,
    run: { id: runId, workflowName: row.workflowName, trigger: row.trigger, held: row.held },
    definition: definition as Extract<ArchiveLine, { type: "run" }>["definition"],
    input,
    view: { ...rest, status: view.status },
  });
  for (const node of nodes) {
    counts.nodes++;
    yield line({ type: "node", node });
  }
  for (const approval of approvals) {
    counts.approvals++;
    yield line({ type: "approval", approval });
  }
  for (const patch of patches) {
    counts.patches++;
    yield line({ type: "patch", patch });
  }
  for (let after = 0; ; ) {
    const events = await stub.events(after, MAX_EVENTS_PER_CALL);
    for (const event of events) {
      counts.events++;
      yield line({ type: "event", event });
    }
    if (events.length < MAX_EVENTS_PER_CALL) break;
    after = events.at(-1)!.seq;
  }
  for (let after = ""; ; ) {
    const holds = await runHolds(env.DB, runId, after, HOLDS_PER_PAGE);
    for (const held of holds) {
      const object = await env.BLOBS.get(held.key);
      // A blob deleted under a finished run is a record lost: say so rather than skip it.
      if (!object) throw new Error(`blob ${held.hash} of run ${runId} is missing from storage`);
      counts.blobs++;
      const kind = held.key.startsWith("cas/sha256/") ? "output" : "stream";
      for await (const piece of pieces(object.body, BLOB_PIECE_BYTES)) {
        yield line({
          type: "blob",
          hash: held.hash,
          kind,
          contentType: held.contentType,
          bytes: object.size,
          offset: piece.offset,
          data: Buffer.from(piece.bytes).toString("base64"),
        });
      }
    }
    if (holds.length < HOLDS_PER_PAGE) break;
    after = holds.at(-1)!.hash;
  }
  yield line({ type: "end", runId, counts });
}

async function versionDefinition(
  db: D1Database,
  view: { id: string; workflowId: string; version: number },
): Promise<unknown> {
  const version = await findVersion(db, view.workflowId, view.version);
  if (!version) {
    throw new ExportRefused(
      "definition_gone",
      `version ${view.version} of workflow ${view.workflowId}, which run ${view.id} ran, is deleted`,
    );
  }
  return JSON.parse(version.definition) as unknown;
}

/**
 * A stream's bytes in pieces of `size` (the last may be shorter; an empty stream is one empty
 * piece), each with its offset.
 */
async function* pieces(
  stream: ReadableStream<Uint8Array>,
  size: number,
): AsyncGenerator<{ offset: number; bytes: Uint8Array }> {
  let buffer = new Uint8Array(size);
  let held = 0;
  let offset = 0;
  let yielded = false;
  const reader = stream.getReader();
  for (;;) {
    const { done, value: chunk } = await reader.read();
    if (done) break;
    let at = 0;
    while (at < chunk.byteLength) {
      const take = Math.min(size - held, chunk.byteLength - at);
      buffer.set(chunk.subarray(at, at + take), held);
      held += take;
      at += take;
      if (held === size) {
        yield { offset, bytes: buffer };
        yielded = true;
        offset += held;
        buffer = new Uint8Array(size);
        held = 0;
      }
    }
  }
  if (held > 0 || !yielded) yield { offset, bytes: buffer.subarray(0, held) };
}
