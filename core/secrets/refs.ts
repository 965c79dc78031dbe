import { NonRetryableError } from "../errors";

/**
 * Secrets in node config are written `{{ secrets.NAME }}`, and only the workflow's own text can
 * place one (SECURITY.md, "Secrets"). Before the other templates are rendered, each reference in
 * the node's *unrendered* config becomes a marker carrying the run's nonce, and the place it was
 * written is recorded (`SecretPlan`). The nonce never enters the expression context, so text that
 * arrives at run time (input, outputs, results of templates) cannot produce a marker; and the
 * executor swaps markers for values only at the places the plan declares, in the numbers it
 * declares, so even a leaked nonce names nothing.
 */
const REF = /\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;

export type ConfigPath = (string | number)[];

/** One string of a node's config that its definition wrote secrets into, and which, in order. */
export interface DeclaredSecrets {
  path: ConfigPath;
  names: string[];
}

/** What the executor may resolve for one node execution: nothing outside `fields`. */
export interface SecretPlan {
  nonce: string;
  fields: DeclaredSecrets[];
}

const markerOf = (name: string, nonce: string) => `\u27e6secret:${name}:${nonce}\u27e7`;

function markerPattern(nonce: string): RegExp {
  return new RegExp(`\\u27e6secret:([A-Za-z_][A-Za-z0-9_]{0,63}):${nonce}\\u27e7`, "g");
}

/** A fresh nonce: 128 random bits, URL-safe. */
export function newSecretNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function mapStrings(
  value: unknown,
  fn: (s: string, path: ConfigPath) => string,
  path: ConfigPath = [],
): unknown {
  if (typeof value === "string") return fn(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, fn, [...path, i]));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn, [...path, k])]),
    );
  }
  return value;
}

/**
 * Turns the `{{ secrets.NAME }}` references of a node's own (unrendered) config into markers
 * with the run's nonce, and records where each was written. Render the result as usual: the
 * markers are plain text to the template engine.
 * @example
 * protectSecretRefs({ headers: { authorization: "Bearer {{ secrets.TOKEN }}" } }, "n1");
 * // { config: { headers: { authorization: "Bearer ⟦secret:TOKEN:n1⟧" } },
 * //   plan: { nonce: "n1", fields: [{ path: ["headers", "authorization"], names: ["TOKEN"] }] } }
 */
export function protectSecretRefs<T>(config: T, nonce: string): { config: T; plan: SecretPlan } {
  const fields: DeclaredSecrets[] = [];
  const out = mapStrings(config, (s, path) => {
    const names: string[] = [];
    const replaced = s.replace(REF, (_, name: string) => {
      names.push(name);
      return markerOf(name, nonce);
    });
    if (names.length > 0) fields.push({ path, names });
    return replaced;
  }) as T;
  return { config: out, plan: { nonce, fields } };
}

/**
 * The plan's markers back to the references they stand for, for showing a resolved config to
 * people and for keys that must not depend on the run's nonce. Text that only looks like a
 * marker (run-time data) is shown as it is: it was sent as it is.
 * @example
 * showSecretRefs({ authorization: "Bearer ⟦secret:TOKEN:n1⟧" }, { nonce: "n1", fields: [] });
 * // { authorization: "Bearer {{ secrets.TOKEN }}" }
 */
export function showSecretRefs<T>(value: T, plan: SecretPlan | undefined): T {
  if (!plan) return value;
  const pattern = markerPattern(plan.nonce);
  return mapStrings(value, (s) =>
    s.includes("\u27e6") ? s.replace(pattern, (_, name: string) => `{{ secrets.${name} }}`) : s,
  ) as T;
}

/**
 * Secret references in text that never reaches a request (an agent's prompt) become a note:
 * a model is never given a secret, nor a marker.
 * @example
 * withholdSecretRefs("use {{ secrets.TOKEN }}"); // "use [secret TOKEN withheld]"
 */
export function withholdSecretRefs(text: string): string {
  return text.replace(REF, (_, name: string) => `[secret ${name} withheld]`);
}

/** The distinct secret names a plan declares. */
export function plannedNames(plan: SecretPlan | undefined): string[] {
  return [...new Set(plan?.fields.flatMap((f) => f.names) ?? [])];
}

/** Where a secret's value went in the request the executor builds. */
export interface Placement {
  name: string;
  path: ConfigPath;
}

/**
 * Swaps the plan's markers in a rendered config for values. A marker with the run's nonce found
 * anywhere the plan does not declare it, or more often than declared, is refused: it can only
 * have come from data. Markers without the nonce are text and stay as they are.
 * @example
 * injectSecrets({ h: "Bearer ⟦secret:T:n1⟧" }, { nonce: "n1", fields: [{ path: ["h"], names: ["T"] }] }, { T: "t-1" });
 * // { config: { h: "Bearer t-1" }, placements: [{ name: "T", path: ["h"] }] }
 */
export function injectSecrets<T>(
  config: T,
  plan: SecretPlan | undefined,
  values: Record<string, string>,
): { config: T; placements: Placement[] } {
  const placements: Placement[] = [];
  if (!plan) return { config, placements };
  const declared = new Map(plan.fields.map((f) => [JSON.stringify(f.path), f.names]));
  const pattern = markerPattern(plan.nonce);
  const out = mapStrings(config, (s, path) => {
    if (!s.includes("\u27e6")) return s;
    const found = [...s.matchAll(pattern)].map((m) => m[1]!);
    if (found.length === 0) return s;
    const allowed = declared.get(JSON.stringify(path)) ?? [];
    if (found.length !== allowed.length || found.some((n, i) => n !== allowed[i])) {
      throw new UndeclaredSecretError(found.find((n, i) => n !== allowed[i]) ?? found[0]!, path);
    }
    return s.replace(pattern, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new MissingSecretError(name);
      placements.push({ name, path });
      return value;
    });
  }) as T;
  return { config: out, placements };
}

export class MissingSecretError extends NonRetryableError {
  constructor(readonly secret: string) {
    super(
      "secret_not_found",
      `secret "${secret}" is not set for this tenant (PUT /api/secrets/${secret})`,
    );
  }
}

/** Data that carried a marker into a place the workflow did not write a secret. */
export class UndeclaredSecretError extends NonRetryableError {
  constructor(secret: string, path: ConfigPath) {
    super(
      "secret_not_declared",
      `config.${path.join(".")} names secret "${secret}" where the workflow did not write {{ secrets.${secret} }}; run-time data cannot name secrets`,
    );
  }
}
