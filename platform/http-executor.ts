import { toNodeError } from "../core/errors";
import { runHttp } from "../core/executors/http";
import type { CarriedSecret } from "../core/net/carried-secrets";
import { redactSecrets } from "../core/secrets/redact";
import {
  injectSecrets,
  type Placement,
  plannedNames,
  type SecretPlan,
  showSecretRefs,
} from "../core/secrets/refs";
import { BlobSink } from "./blob-sink";
import { fetchTextFor } from "./fetch";
import type { OutputOwner } from "./output-refs";
import { type LoadedSecret, loadSecrets } from "./secrets";

/** What an http call carries besides its config: its secret plan and its idempotency key. */
export interface HttpCall {
  plan?: SecretPlan | undefined;
  idempotencyKey?: string | null;
}

/**
 * Runs an http node whose config is rendered except for secret markers: resolves, at the last
 * moment, only the secrets its plan declares (the places the workflow wrote them), binds each
 * to its allowed hosts for every hop, and keeps values out of the output and errors. Large and
 * binary bodies are kept as the owner's blobs (platform/blob-sink.ts).
 */
export async function executeHttp(
  env: Env,
  owner: OutputOwner,
  config: Record<string, unknown>,
  timeoutMs: number,
  options: HttpCall = {},
): Promise<unknown> {
  const { plan, idempotencyKey } = options;
  const loaded = await loadSecrets(env, owner.tenantId, plannedNames(plan));
  const values = Object.fromEntries(Object.entries(loaded).map(([k, s]) => [k, s.value]));
  try {
    const { config: real, placements } = injectSecrets(config, plan, values);
    const output = await runHttp(real, fetchTextFor(env, new BlobSink(env, owner)), timeoutMs, {
      secrets: { carried: carried(placements, loaded), shown: showSecretRefs(config, plan) },
      idempotencyKey: idempotencyKey ?? null,
    });
    return redactSecrets(output, values);
  } catch (err) {
    const error = toNodeError(err);
    throw Object.assign(new Error(redactSecrets(error.message, values)), {
      code: error.code,
      retryable: error.retryable,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  }
}

/** Where each secret went in the request runHttp builds from the config. */
function carried(placements: Placement[], loaded: Record<string, LoadedSecret>): CarriedSecret[] {
  const bySecret = new Map<string, CarriedSecret & { headers: string[] }>();
  for (const { name, path } of placements) {
    const secret = loaded[name]!;
    let entry = bySecret.get(name);
    if (!entry) {
      entry = {
        name,
        value: secret.value,
        allowedHosts: secret.allowedHosts,
        headers: [],
        inBody: false,
        inUrl: false,
      };
      bySecret.set(name, entry);
    }
    const [area, header] = path;
    if (area === "headers" && typeof header === "string") entry.headers.push(header.toLowerCase());
    else if (area === "url" || area === "query") entry.inUrl = true;
    else entry.inBody = true;
  }
  return [...bySecret.values()];
}
