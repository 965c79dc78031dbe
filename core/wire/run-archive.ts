/**
 * A run's archive (docs/LIFECYCLE.md, "Export and import"): what `GET /api/runs/{id}/export`
 * writes and `POST /api/runs/import` reads, one JSON value per line (NDJSON). Declared once here,
 * with the rules a reader checks, so the exporter and the importer cannot drift apart.
 *
 * A run's section: a `run` line (its definition, input and view without the lists), then its
 * `node`, `approval`, `patch` and `event` lines and its blobs in `blob` pieces, then an `end` line
 * that counts them. A bulk export is sections one after another, then a `summary` line.
 * Everything in an archive is untrusted on import: it is checked here line by line, and a blob's
 * bytes are checked against its hash before anything is written under it.
 */
import { z } from "zod";
import { WorkflowDefinition } from "../workflow/definition";
import { RunEvent } from "./frames";
import { runViewSchemas } from "./run-view";

export const ARCHIVE_FORMAT = "aob.run-archive.v1";
export const ARCHIVE_MEDIA_TYPE = "application/x-ndjson";
/** Raw bytes of one blob piece: its base64 line is 1 MiB. */
export const BLOB_PIECE_BYTES = 768 * 1024;
/**
 * Characters one line may hold: a node with an inline output (64 KiB) and the config it ran
 * with, or a run line with its definition (a 5,000-node workflow is a few MB), with room.
 */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;
/** An archive's bytes at most on import: Cloudflare's request body limit on Free and Pro plans. */
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;
/** Runs one import may hold: a failed import deletes what it began, so this bounds the undo. */
export const MAX_IMPORT_RUNS = 1000;
/** Runs one bulk export answers at most; `summary.nextCursor` continues it. */
export const MAX_EXPORT_RUNS = 1000;

const Timestamp = z.number().int().nonnegative();
const Hash = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex characters (SHA-256)");
const TRIGGERS = ["api", "webhook", "cron", "replay", "subworkflow"] as const;
const ENDED = ["completed", "failed", "cancelled"] as const;

const schemas = runViewSchemas();

/** Where an archived run came from; the run view shows it (`archived`). */
export const ArchivedFrom = z.strictObject({
  sourceRunId: z.string().min(1).max(200),
  workflowName: z.string().nullable(),
  exportedAt: Timestamp,
  importedAt: Timestamp,
});
export type ArchivedFrom = z.infer<typeof ArchivedFrom>;

/** The run's view without its lists (they travel a line each) and without `held`. */
export const ArchivedView = schemas.RunView.omit({
  nodes: true,
  approvals: true,
  patches: true,
  held: true,
}).extend({ status: z.enum(ENDED) });

const RunLine = z.strictObject({
  type: z.literal("run"),
  format: z.literal(ARCHIVE_FORMAT),
  exportedAt: Timestamp,
  run: z.strictObject({
    id: z.string().min(1).max(200),
    workflowName: z.string().nullable(),
    trigger: z.enum(TRIGGERS),
    held: z.boolean(),
  }),
  /** The version's definition; the applied patches are its `patch` lines. */
  definition: WorkflowDefinition,
  input: z.unknown(),
  view: ArchivedView,
});

const NodeLine = z.strictObject({ type: z.literal("node"), node: schemas.RunNode });
/** An approval with its votes' form data (the run view leaves that out). */
const ApprovalLine = z.strictObject({ type: z.literal("approval"), approval: schemas.Approval });
const PatchLine = z.strictObject({ type: z.literal("patch"), patch: schemas.PatchRecord });
const EventLine = z.strictObject({ type: z.literal("event"), event: RunEvent });

/**
 * One piece of a blob the run holds, in order: `offset` is where `data` (base64) starts. An
 * `output` is a node's JSON output (stored at its content address), a `stream` a response body
 * streamed to R2 (stored under the importing run).
 */
const BlobLine = z.strictObject({
  type: z.literal("blob"),
  hash: Hash,
  kind: z.enum(["output", "stream"]),
  contentType: z.string().max(1000),
  bytes: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  data: z
    .string()
    .max(Math.ceil(BLOB_PIECE_BYTES / 3) * 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64"),
});

const Counts = z.strictObject({
  nodes: z.number().int().nonnegative(),
  approvals: z.number().int().nonnegative(),
  patches: z.number().int().nonnegative(),
  events: z.number().int().nonnegative(),
  blobs: z.number().int().nonnegative(),
});
export type ArchiveCounts = z.infer<typeof Counts>;

const EndLine = z.strictObject({ type: z.literal("end"), runId: z.string(), counts: Counts });

/** A bulk export's last line: how many runs it holds, which it left out, where to go on. */
const SummaryLine = z.strictObject({
  type: z.literal("summary"),
  runs: z.number().int().nonnegative(),
  skipped: z.array(z.strictObject({ id: z.string(), status: z.string() })),
  nextCursor: z.string().nullable(),
});

export const ArchiveLine = z.discriminatedUnion("type", [
  RunLine,
  NodeLine,
  ApprovalLine,
  PatchLine,
  EventLine,
  BlobLine,
  EndLine,
  SummaryLine,
]);
export type ArchiveLine = z.infer<typeof ArchiveLine>;
export type RunLine = z.infer<typeof RunLine>;
export type BlobLine = z.infer<typeof BlobLine>;
export type SummaryLine = z.infer<typeof SummaryLine>;
export type ArchivedApproval = z.infer<typeof schemas.Approval>;
