/**
 * Outputs by reference, the producer's half (docs/PAYLOADS.md): an output over
 * INLINE_OUTPUT_BYTES is written to R2 content-addressed and recorded as its tenant's in D1
 * before the result naming it is reported, so nothing large crosses RPC, the queue or the
 * run's storage, and the blob can be read (`GET /api/blobs/{hash}`) as soon as it is accepted.
 */

import { casKey } from "../core/cas/hash";
import type { NodeError } from "../core/errors";
import { INLINE_OUTPUT_BYTES, MAX_REF_OUTPUT_BYTES, storableJson } from "../core/limits/output";
import type { OutputRef } from "../core/wire/blob-ref";
import { type BlobRecord, holdBlobs } from "../db/blobs";
import { putBlob } from "./cas";
import { hashJson } from "./hash";

/** Whose output it is: the blob is recorded as the tenant's, produced by the run. */
export interface OutputOwner {
  tenantId: string;
  runId: string;
}

/** An output as it is reported: inline, by reference, or refused (its node fails). */
export type Placed =
  | { output: unknown; hash: string }
  | { ref: OutputRef }
  | { problem: NodeError };

/**
 * Places one output: small ones stay inline (with their hash); large ones go to R2 first.
 * @example
 * const placed = await placeOutput(env, { tenantId, runId }, output);
 * if ("ref" in placed) report({ outputRef: placed.ref });
 */
export async function placeOutput(
  env: Pick<Env, "BLOBS" | "DB">,
  owner: OutputOwner,
  value: unknown,
): Promise<Placed> {
  const storable = storableJson(value, MAX_REF_OUTPUT_BYTES);
  if ("problem" in storable) return storable;
  const { json, bytes } = storable;
  const hash = hashJson(json);
  if (bytes <= INLINE_OUTPUT_BYTES) return { output: value, hash };
  // The hold first: a deletion of the same content elsewhere then keeps it (docs/LIFECYCLE.md).
  await holdBlobs(env.DB, [jsonBlob(owner, hash, bytes, Date.now())]);
  await putBlob(env.BLOBS, hash, json);
  return { ref: { hash, bytes } };
}

/** The record of a JSON output written content-addressed (`cas/sha256/<hash>`) as the owner's. */
export function jsonBlob(owner: OutputOwner, hash: string, bytes: number, at: number): BlobRecord {
  return {
    tenantId: owner.tenantId,
    hash,
    key: casKey(hash),
    bytes,
    contentType: "application/json",
    runId: owner.runId,
    createdAt: at,
  };
}

/** Reads an output kept by reference; throws when R2 no longer has it. */
export async function readOutputRef(bucket: R2Bucket, ref: OutputRef): Promise<unknown> {
  const object = await bucket.get(casKey(ref.hash));
  if (!object) throw new Error(`output ${ref.hash} is no longer in blob storage`);
  return JSON.parse(await object.text()) as unknown;
}
