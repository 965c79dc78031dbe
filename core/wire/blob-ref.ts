/**
 * A blob named inside a value: what an http node's `body` is when the response was streamed to
 * R2 (binary, or larger than the inline limit), and what a node may send as a request body
 * (docs/PAYLOADS.md). Flat, so expressions read `body.bytes` and `body.contentType`.
 *
 * A marker is data like any other: run-time data can forge one. It is only ever resolved through
 * the tenant's own blob records (`db/blobs.ts`), so a forged hash reaches nothing the tenant
 * could not already read.
 */
import { z } from "zod";

export const BlobMarker = z.object({
  $blob: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex characters (SHA-256)"),
  bytes: z.number().int().nonnegative(),
  contentType: z.string(),
});
export type BlobMarker = z.infer<typeof BlobMarker>;

/** The value as a blob marker, or null when it is not one. */
export function blobMarker(value: unknown): BlobMarker | null {
  if (value === null || typeof value !== "object" || !("$blob" in value)) return null;
  const parsed = BlobMarker.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/**
 * A node output kept by reference: its canonical JSON is in R2 under `cas/sha256/<hash>`
 * (written, and recorded as the tenant's, before the result naming it is reported). Never
 * in-band: it travels beside an output, in the result and in the run's storage.
 */
export const OutputRef = z.object({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** UTF-8 bytes of the JSON. */
  bytes: z.number().int().nonnegative(),
});
export type OutputRef = z.infer<typeof OutputRef>;
