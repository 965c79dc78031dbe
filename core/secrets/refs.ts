/**
 * Secrets in node config are written `{{ secrets.NAME }}`. The RunObject renders every other
 * template but turns these into opaque markers, so a secret's value never exists in run state,
 * queue messages or events: the executor swaps the markers for values right before the request,
 * and redacts the values from whatever comes back.
 */
const REF = /\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;
const MARKER = /\u27e6secret:([A-Za-z_][A-Za-z0-9_]{0,63})\u27e7/g;

const marker = (name: string) => `\u27e6secret:${name}\u27e7`;

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === "string") return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return value;
}

/**
 * @example
 * protectSecretRefs({ headers: { authorization: "Bearer {{ secrets.TOKEN }}" } });
 * // { headers: { authorization: "Bearer ⟦secret:TOKEN⟧" } }
 */
export function protectSecretRefs<T>(config: T): T {
  return mapStrings(config, (s) => s.replace(REF, (_, name: string) => marker(name))) as T;
}

/**
 * Markers back to the references they stand for, for showing a resolved config to people.
 * @example
 * showSecretRefs({ authorization: "Bearer ⟦secret:TOKEN⟧" }); // { authorization: "Bearer {{ secrets.TOKEN }}" }
 */
export function showSecretRefs<T>(value: T): T {
  return mapStrings(value, (s) =>
    s.replace(MARKER, (_, name: string) => `{{ secrets.${name} }}`),
  ) as T;
}

/** The secret names a (protected) config refers to. */
export function secretNames(config: unknown): string[] {
  const names = new Set<string>();
  mapStrings(config, (s) => {
    for (const m of s.matchAll(MARKER)) names.add(m[1]!);
    return s;
  });
  return [...names];
}

/** Replaces markers with values; a marker without a value is an error naming the secret. */
export function injectSecrets<T>(config: T, values: Record<string, string>): T {
  return mapStrings(config, (s) =>
    s.replace(MARKER, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new MissingSecretError(name);
      return value;
    }),
  ) as T;
}

/** Replaces every occurrence of a secret's value in strings with `[redacted:NAME]`. */
export function redactSecrets<T>(value: T, values: Record<string, string>): T {
  const entries = Object.entries(values).filter(([, v]) => v.length > 0);
  if (entries.length === 0) return value;
  return mapStrings(value, (s) => {
    let out = s;
    for (const [name, v] of entries) out = out.split(v).join(`[redacted:${name}]`);
    return out;
  }) as T;
}

export class MissingSecretError extends Error {
  readonly code = "secret_not_found";
  readonly retryable = false;
  constructor(readonly secret: string) {
    super(`secret "${secret}" is not set for this tenant (PUT /api/secrets/${secret})`);
  }
}
