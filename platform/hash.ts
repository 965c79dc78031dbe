import { createHash } from "node:crypto";
import { canonicalJson } from "../core/cas/hash";
import { textPieces } from "../core/limits/pieces";

/**
 * Content address of a value, synchronously (node:crypto under nodejs_compat), so the RunObject
 * can hash outputs inside the same storage transaction that records them.
 */
export function addressOf(value: unknown): { hash: string; json: string } {
  const json = canonicalJson(value);
  return { hash: hashJson(json), json };
}

/** Characters hashed at a time: each piece is encoded to UTF-8 on its own. */
const HASH_PIECE = 1024 * 1024;

/**
 * The SHA-256 of a text's UTF-8, fed a piece at a time: node:crypto encodes a string it is given
 * into a buffer of its own, which for a 16 MiB output was 16 MiB more at once. Pieces never cut
 * a surrogate pair (core/limits/pieces.ts), so the bytes are the whole text's.
 */
export function hashJson(json: string): string {
  const hash = createHash("sha256");
  for (const piece of textPieces(json, HASH_PIECE)) hash.update(piece);
  return hash.digest("hex");
}
