/**
 * Trace and span ids derived from what the run is, never drawn at random, so exporting a run
 * again sends the same ids (a collector that deduplicates keeps one copy) and a child run can
 * name its parent's span without asking the parent (docs/OBSERVABILITY.md).
 */

async function digestHex(text: string, bytes: number): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  ).slice(0, bytes);
  // All zeros is OTLP's "no id"; one digest in 2^64 would be it.
  if (digest.every((b) => b === 0)) digest[bytes - 1] = 1;
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The trace of a run tree: 16 bytes of SHA-256 of its root run's id, as 32 hex digits.
 * @example
 * await traceIdOf("run_abc"); // the same 32 hex digits for the root and each of its children
 */
export function traceIdOf(rootRunId: string): Promise<string> {
  return digestHex(`aob/trace\n${rootRunId}`, 16);
}

/**
 * A run's own span (the root of its part of the trace): 8 bytes of SHA-256, 16 hex digits.
 * @example
 * await runSpanIdOf("run_abc"); // "…16 hex digits…"
 */
export function runSpanIdOf(runId: string): Promise<string> {
  return digestHex(`aob/run\n${runId}`, 8);
}

/**
 * One node attempt's span. A child run's span is the child of its parent's sub-workflow node
 * attempt, named by this same function from the link the child keeps.
 * @example
 * await attemptSpanIdOf("run_abc", "fetch", 2); // the span of fetch's second attempt
 */
export function attemptSpanIdOf(runId: string, nodeId: string, attempt: number): Promise<string> {
  return digestHex(`aob/node\n${runId}\n${nodeId}\n${attempt}`, 8);
}
