/**
 * Reads a run archive (core/wire/run-archive.ts) line by line and checks what one line alone
 * cannot show: that sections open and close, that a blob's pieces follow each other, that the
 * events are in order and that the `end` line's counts are what came. Pure: the importer
 * (workers/lifecycle/import-runs.ts) does the writing, step by step as this hands it lines.
 */
import {
  type ArchiveCounts,
  ArchiveLine,
  type BlobLine,
  MAX_IMPORT_RUNS,
  type RunLine,
} from "./run-archive";

/** Bytes of node, approval and patch lines one run may hold (they are kept until its end). */
export const MAX_SECTION_CHARS = 64 * 1024 * 1024;

/** Why an archive was refused, at which line (from 1) and where in it. */
export class ArchiveError extends Error {
  constructor(
    readonly line: number,
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

/** A line, checked, as what the importer does with it. */
export type ArchiveStep =
  | { kind: "run"; run: RunLine }
  | { kind: "node"; line: Extract<ArchiveLine, { type: "node" }> }
  | { kind: "approval"; line: Extract<ArchiveLine, { type: "approval" }> }
  | { kind: "patch"; line: Extract<ArchiveLine, { type: "patch" }> }
  | { kind: "event"; line: Extract<ArchiveLine, { type: "event" }> }
  /** A blob's piece: `first` opens the blob, `last` closes it (a blob of 0 bytes is both). */
  | { kind: "blob"; blob: BlobLine; first: boolean; last: boolean }
  | { kind: "end"; runId: string; counts: ArchiveCounts }
  | { kind: "summary" };

interface Section {
  run: RunLine;
  counts: ArchiveCounts;
  nodeIds: Set<string>;
  blobs: Set<string>;
  lastSeq: number;
  chars: number;
  /** The blob being read: its hash and where its next piece starts. */
  open: { hash: string; bytes: number; next: number } | null;
}

/** Decoded bytes of a base64 text (the schema checked its alphabet). */
function base64Bytes(data: string): number | null {
  if (data.length % 4 !== 0) return null;
  const pad = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return (data.length / 4) * 3 - pad;
}

/**
 * @example
 * const reader = new ArchiveReader();
 * for (const [i, text] of lines.entries()) apply(reader.take(text, i + 1));
 * reader.finish(lines.length);
 */
export class ArchiveReader {
  private section: Section | null = null;
  private runs = 0;

  /** Runs whose section has begun. */
  get begun(): number {
    return this.runs;
  }

  take(text: string, line: number): ArchiveStep {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ArchiveError(line, [], `line ${line} is not JSON`);
    }
    const parsed = ArchiveLine.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
      const at = path.length > 0 ? ` at ${path.join(".")}` : "";
      throw new ArchiveError(line, path, `line ${line}${at}: ${issue.message}`);
    }
    return this.step(parsed.data, line, text.length);
  }

  /** The archive ended: refused when it stops inside a run or holds none. */
  finish(line: number): void {
    if (this.section) {
      throw new ArchiveError(
        line,
        [],
        `line ${line}: the archive ends inside run ${this.section.run.run.id}: no end line (was the download cut short?)`,
      );
    }
    if (this.runs === 0) throw new ArchiveError(line, [], `line ${line}: the archive holds no run`);
  }

  private step(value: ArchiveLine, line: number, chars: number): ArchiveStep {
    const fail = (path: (string | number)[], message: string) =>
      new ArchiveError(line, path, `line ${line}: ${message}`);
    if (value.type === "run") {
      if (this.section) {
        throw fail(["type"], `run ${this.section.run.run.id} has no end line before this run`);
      }
      if (this.runs >= MAX_IMPORT_RUNS) {
        throw fail([], `an import holds at most ${MAX_IMPORT_RUNS} runs`);
      }
      this.runs++;
      this.section = {
        run: value,
        counts: { nodes: 0, approvals: 0, patches: 0, events: 0, blobs: 0 },
        nodeIds: new Set(),
        blobs: new Set(),
        lastSeq: 0,
        chars: 0,
        open: null,
      };
      return { kind: "run", run: value };
    }
    if (value.type === "summary") {
      if (this.section) throw fail(["type"], "a summary line inside a run (before its end line)");
      return { kind: "summary" };
    }
    const section = this.section;
    if (!section) {
      throw fail(["type"], `a ${value.type} line outside a run (a run starts with a run line)`);
    }
    if (section.open && value.type !== "blob") {
      throw fail(["type"], `blob ${section.open.hash} is cut short: its next piece is missing`);
    }
    switch (value.type) {
      case "node":
      case "approval":
      case "patch": {
        section.chars += chars;
        if (section.chars > MAX_SECTION_CHARS) {
          throw fail([], `run ${section.run.run.id}'s nodes, approvals and patches exceed 64 MiB`);
        }
        if (value.type === "node") {
          if (section.nodeIds.has(value.node.id)) {
            throw fail(["node", "id"], `node ${value.node.id} comes twice`);
          }
          section.nodeIds.add(value.node.id);
          section.counts.nodes++;
          return { kind: "node", line: value };
        }
        if (value.type === "approval") {
          section.counts.approvals++;
          return { kind: "approval", line: value };
        }
        section.counts.patches++;
        return { kind: "patch", line: value };
      }
      case "event": {
        if (value.event.seq <= section.lastSeq) {
          throw fail(
            ["event", "seq"],
            `event ${value.event.seq} is out of order (after ${section.lastSeq})`,
          );
        }
        section.lastSeq = value.event.seq;
        section.counts.events++;
        return { kind: "event", line: value };
      }
      case "blob":
        return this.piece(section, value, fail);
      case "end": {
        if (value.runId !== section.run.run.id) {
          throw fail(["runId"], `the end of run ${value.runId} closes run ${section.run.run.id}`);
        }
        for (const key of Object.keys(section.counts) as (keyof ArchiveCounts)[]) {
          if (value.counts[key] !== section.counts[key]) {
            throw fail(
              ["counts", key],
              `run ${value.runId} says ${value.counts[key]} ${key}, the archive holds ${section.counts[key]}`,
            );
          }
        }
        if (section.lastSeq !== section.run.view.lastSeq) {
          throw fail(
            ["counts", "events"],
            `run ${value.runId}'s last event is ${section.lastSeq}, its view says ${section.run.view.lastSeq}`,
          );
        }
        this.section = null;
        return { kind: "end", runId: value.runId, counts: value.counts };
      }
    }
  }

  private piece(
    section: Section,
    blob: BlobLine,
    fail: (path: (string | number)[], message: string) => ArchiveError,
  ): ArchiveStep {
    const size = base64Bytes(blob.data);
    if (size === null) throw fail(["data"], "must be base64 in groups of 4 characters");
    const open = section.open;
    const first = open === null;
    if (first) {
      if (blob.offset !== 0) {
        throw fail(["offset"], `blob ${blob.hash} starts at ${blob.offset}, not 0`);
      }
      if (section.blobs.has(blob.hash)) throw fail(["hash"], `blob ${blob.hash} comes twice`);
      section.blobs.add(blob.hash);
      section.counts.blobs++;
    } else if (blob.hash !== open.hash || blob.offset !== open.next || blob.bytes !== open.bytes) {
      throw fail(
        ["offset"],
        `expected blob ${open.hash} from byte ${open.next}, got ${blob.hash} from ${blob.offset}`,
      );
    }
    if (size === 0 && blob.bytes > 0) throw fail(["data"], "an empty piece of a non-empty blob");
    const next = blob.offset + size;
    if (next > blob.bytes) {
      throw fail(["data"], `blob ${blob.hash} runs past its ${blob.bytes} bytes`);
    }
    const last = next === blob.bytes;
    section.open = last ? null : { hash: blob.hash, bytes: blob.bytes, next };
    return { kind: "blob", blob, first, last };
  }
}
