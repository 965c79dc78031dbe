import { toNodeError } from "../../core/errors";
import { runHttp } from "../../core/executors/http";
import { injectSecrets, redactSecrets, secretNames } from "../../core/secrets/refs";
import { fetchTextFor } from "./fetch";
import { loadSecrets } from "./secrets";

/**
 * Runs an http node whose config is rendered except for secret markers: resolves the tenant's
 * secrets here, at the last moment, and redacts their values from the output and from errors.
 */
export async function executeHttp(
  env: Env,
  tenantId: string,
  config: Record<string, unknown>,
  timeoutMs: number,
): Promise<unknown> {
  const names = secretNames(config);
  const values = await loadSecrets(env, tenantId, names);
  try {
    const output = await runHttp(injectSecrets(config, values), fetchTextFor(env), timeoutMs);
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
