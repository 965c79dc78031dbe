/**
 * Sending a run's trace to the tenant's OTLP/HTTP endpoint (docs/OBSERVABILITY.md): the
 * endpoint and headers are unsealed, `{{ secrets.NAME }}` in a header value is resolved from
 * the tenant's secrets, and each batch is one POST of protobuf through the SSRF-guarded fetch,
 * which also keeps every secret to the hosts it may go to. The RunObject owes the export and
 * calls `postTrace` until it succeeds or gives up (durable-objects/run/trace-export.ts).
 */

import type { CarriedSecret } from "../../core/net/carried-secrets";
import {
  injectSecrets,
  newSecretNonce,
  plannedNames,
  protectSecretRefs,
} from "../../core/secrets/refs";
import { findOtlp } from "../../db/telemetry";
import { allowlistOf } from "../fetch";
import { createGuardedFetch } from "../net";
import { decryptSealed, loadSecrets } from "../secrets";

/** How long a collector may take to answer one batch. */
const SEND_TIMEOUT_MS = 10_000;
/** What is read of a collector's answer (its body is not used). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** The names the sealed endpoint and headers are bound to (no secret's name has a colon). */
export const OTLP_SEAL = { endpoint: "otlp:endpoint", headers: "otlp:headers" } as const;

/** Where a tenant's traces go, unsealed and resolved, for one export. */
export interface OtlpTarget {
  url: string;
  host: string;
  headers: Record<string, string>;
  /** The secrets the headers carry, held to their hosts by the guarded fetch. */
  secrets: CarriedSecret[];
}

export type TraceDelivery =
  | { ok: true; status: number }
  | { ok: false; retryable: boolean; error: string; retryAfterMs?: number };

/** A target that cannot be resolved (a secret its headers name is gone): not worth retrying. */
export class OtlpTargetError extends Error {}

/**
 * The tenant's export target, or null when none is set or it is turned off. Throws
 * `OtlpTargetError` when a header names a secret the tenant no longer has.
 */
export async function otlpTarget(env: Env, tenantId: string): Promise<OtlpTarget | null> {
  const row = await findOtlp(env.DB, tenantId);
  if (!row?.enabled) return null;
  const url = await decryptSealed(env, tenantId, OTLP_SEAL.endpoint, row.endpoint);
  const written = JSON.parse(
    await decryptSealed(env, tenantId, OTLP_SEAL.headers, row.headers),
  ) as Record<string, string>;
  // The headers are the tenant's own text, like a workflow's: their references are declared.
  const { config, plan } = protectSecretRefs(written, newSecretNonce());
  const names = plannedNames(plan);
  const loaded = names.length > 0 ? await loadSecrets(env, tenantId, names) : {};
  const values = Object.fromEntries(Object.entries(loaded).map(([n, s]) => [n, s.value]));
  let resolved: { config: Record<string, string>; placements: { name: string; path: unknown[] }[] };
  try {
    resolved = injectSecrets(config, plan, values);
  } catch (err) {
    throw new OtlpTargetError(err instanceof Error ? err.message : String(err));
  }
  const secrets = names.map((name) => ({
    name,
    value: loaded[name]!.value,
    allowedHosts: loaded[name]!.allowedHosts,
    headers: resolved.placements
      .filter((p) => p.name === name)
      .map((p) => String(p.path[0]).toLowerCase()),
    inBody: false,
    inUrl: false,
  }));
  return { url, host: row.host, headers: resolved.config, secrets };
}

function retryAfterMs(header: string | undefined): number | undefined {
  const seconds = Number(header);
  return header !== undefined && Number.isFinite(seconds) && seconds >= 0
    ? seconds * 1000
    : undefined;
}

/** One POST of an `ExportTraceServiceRequest` (protobuf) to the target. */
export async function postTrace(
  env: Pick<Env, "AOB_HTTP_ALLOWLIST">,
  target: OtlpTarget,
  body: Uint8Array,
): Promise<TraceDelivery> {
  const guarded = createGuardedFetch({
    allowlist: allowlistOf(env),
    timeoutMs: SEND_TIMEOUT_MS,
    maxResponseBytes: MAX_ANSWER_BYTES,
  });
  try {
    const res = await guarded(target.url, {
      method: "POST",
      headers: {
        ...target.headers,
        "content-type": "application/x-protobuf",
        "user-agent": "aob-telemetry",
      },
      body: new Uint8Array(body),
      secrets: target.secrets,
    });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const retryable = res.status === 429 || res.status >= 500;
    const after = retryAfterMs(res.headers["retry-after"]);
    return {
      ok: false,
      retryable,
      error: `${target.host} answered ${res.status}`,
      ...(retryable && after !== undefined ? { retryAfterMs: after } : {}),
    };
  } catch (err) {
    // A refused address or a secret's host never becomes right by waiting; a network error may.
    const retryable = (err as { retryable?: boolean }).retryable === true;
    return {
      ok: false,
      retryable,
      error: `${target.host}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
