/**
 * Redaction of secret values from what comes back (outputs, error messages), in the encodings a
 * value takes on its way through a request: as written, in any letter case (hosts are
 * lower-cased), percent-encoded (paths, queries, forms, with either hex case), JSON-escaped and
 * base64. A second line of defence: messages are built from the marker form in the first place.
 */

const MIN_ENCODED_LENGTH = 4;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function base64(value: string): string {
  const bytes = new TextEncoder().encode(value);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The forms a value may take in a request or a response, longest first. */
export function encodedForms(value: string): string[] {
  const forms = new Set([value]);
  if (value.length >= MIN_ENCODED_LENGTH) {
    const component = encodeURIComponent(value);
    forms.add(component);
    forms.add(component.replace(/%20/g, "+"));
    forms.add(encodeURI(value));
    forms.add(JSON.stringify(value).slice(1, -1));
    // As the URL parser writes it into a path or a query (it leaves `/`, `+` and `%` alone).
    forms.add(new URL(`http://x/?${value}`).search.slice(1));
    forms.add(new URL(`http://x/${value}`).pathname.slice(1));
    const b64 = base64(value);
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ""));
    forms.add(b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** One case-insensitive pattern per secret over all its forms. */
function patternsOf(values: Record<string, string>): [string, RegExp][] {
  return Object.entries(values)
    .filter(([, v]) => v.length > 0)
    .map(([name, v]) => [name, new RegExp(encodedForms(v).map(escapeRegExp).join("|"), "gi")]);
}

function scrub(value: unknown, patterns: [string, RegExp][]): unknown {
  if (typeof value === "string") {
    let out = value;
    for (const [name, pattern] of patterns) out = out.replace(pattern, `[redacted:${name}]`);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, patterns));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [scrub(k, patterns) as string, scrub(v, patterns)]),
    );
  }
  return value;
}

/**
 * Replaces every occurrence of a secret's value, in any of its encoded forms, with
 * `[redacted:NAME]`, in strings and object keys.
 * @example
 * redactSecrets({ url: "https://x/?k=a%2Fb" }, { K: "a/b" }); // { url: "https://x/?k=[redacted:K]" }
 */
export function redactSecrets<T>(value: T, values: Record<string, string>): T {
  const patterns = patternsOf(values);
  return patterns.length === 0 ? value : (scrub(value, patterns) as T);
}
