import { toNodeError } from "../core/errors";
import { type HttpSecrets, runHttp } from "../core/executors/http";
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
  return withSecrets(env, owner.tenantId, config, plan, (real, secrets) =>
    runHttp(real, fetchTextFor(env, new BlobSink(env, owner)), timeoutMs, {
      secrets,
      idempotencyKey: idempotencyKey ?? null,
    }),
  );
}

/**
 * An agent's custom http tool: the same request as an http node (`runHttp`, the guarded fetch,
 * secrets resolved only where its plan declares them and bound to their hosts), with the body
 * read as text up to `maxResponseBytes` and no blob kept. Abortable (a cancelled run).
 */
export async function executeHttpText(
  env: Env,
  tenantId: string,
  config: Record<string, unknown>,
  options: { plan?: SecretPlan | undefined; timeoutMs: number; signal: AbortSignal },
): Promise<unknown> {
  return withSecrets(env, tenantId, config, options.plan, (real, secrets) =>
    runHttp(real, fetchTextFor(env, undefined, options.signal), options.timeoutMs, { secrets }),
  );
}

/**
 * Resolves the plan's secrets into the config at the last moment, and keeps their values out of
 * what comes back: the output, and an error's message.
 */
async function withSecrets<T>(
  env: Env,
  tenantId: string,
  config: Record<string, unknown>,
  plan: SecretPlan | undefined,
  send: (real: Record<string, unknown>, secrets: HttpSecrets) => Promise<T>,
): Promise<T> {
  const loaded = await loadSecrets(env, tenantId, plannedNames(plan));
  const values = Object.fromEntries(Object.entries(loaded).map(([k, s]) => [k, s.value]));
  try {
    const { config: real, placements } = injectSecrets(config, plan, values);
    const output = await send(real, {
      carried: carried(placements, loaded),
      shown: showSecretRefs(config, plan),
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
export function carried(
  placements: Placement[],
  loaded: Record<string, LoadedSecret>,
): CarriedSecret[] {
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
