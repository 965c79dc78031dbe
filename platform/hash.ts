import { createHash } from "node:crypto";
import { canonicalJson } from "../core/cas/hash";

/**
 * Content address of a value, synchronously (node:crypto under nodejs_compat), so the RunObject
 * can hash outputs inside the same storage transaction that records them.
 */
export function addressOf(value: unknown): { hash: string; json: string } {
  const json = canonicalJson(value);
  return { hash: createHash("sha256").update(json).digest("hex"), json };
}

export function hashJson(json: string): string {
  return createHash("sha256").update(json).digest("hex");
}
