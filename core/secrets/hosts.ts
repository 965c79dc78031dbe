/**
 * Hosts a secret may be sent to. Provisional: the full module (pattern validation, schema)
 * lands with the secrets API change; this is the matcher the fetch path relies on.
 */

function normalise(hostname: string): string {
  return hostname.toLowerCase().replace(/\.+$/, "");
}

/**
 * Whether `hostname` (as `new URL().hostname` gives it) matches one of the patterns: an exact
 * host, or `*.suffix` for any name below the suffix (not the suffix itself).
 * @example
 * hostAllowed(["*.stripe.com"], "api.stripe.com"); // true
 * hostAllowed(["*.stripe.com"], "stripe.com"); // false
 */
export function hostAllowed(patterns: readonly string[], hostname: string): boolean {
  const host = normalise(hostname);
  return patterns.some((p) => {
    const pattern = normalise(p);
    return pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : host === pattern;
  });
}
