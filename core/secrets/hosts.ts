import { z } from "zod";

/**
 * The hosts a secret may be sent to (`allowedHosts`). A pattern is an exact hostname
 * (`api.stripe.com`), an IP literal (`203.0.113.7`, `[2001:db8::1]`) or a wildcard `*.suffix`.
 *
 * `*.example.com` matches every name *under* example.com (`a.example.com`, `a.b.example.com`)
 * but not `example.com` itself: list both when both are meant. A wildcard never stands for a
 * public suffix alone (`*.com`, `*.co.uk`, `*.github.io`), where anyone can own a name.
 *
 * Patterns are stored the way WHATWG `new URL().hostname` writes a host (lower case, IDN as
 * punycode, IPv4 in dotted decimal, IPv6 compressed in brackets, no trailing dot), so matching
 * a request's hostname is a comparison of strings.
 */

/** At most this many patterns per secret. */
export const MAX_ALLOWED_HOSTS = 50;

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Suffixes under which anyone can get a name: a wildcard on one of them alone would bind a
 * secret to strangers' hosts. A short list of the common ones (country second levels and
 * shared hosting), not the whole Public Suffix List; a single label (`*.com`) is always refused.
 */
const PUBLIC_SUFFIXES = new Set([
  "co.uk",
  "org.uk",
  "me.uk",
  "ac.uk",
  "gov.uk",
  "com.au",
  "net.au",
  "org.au",
  "co.nz",
  "co.jp",
  "ne.jp",
  "or.jp",
  "co.kr",
  "com.br",
  "com.cn",
  "com.mx",
  "com.tr",
  "com.tw",
  "co.in",
  "co.za",
  "com.sg",
  "com.hk",
  "github.io",
  "githubusercontent.com",
  "gitlab.io",
  "pages.dev",
  "workers.dev",
  "trycloudflare.com",
  "herokuapp.com",
  "vercel.app",
  "netlify.app",
  "web.app",
  "firebaseapp.com",
  "appspot.com",
  "blogspot.com",
  "glitch.me",
  "onrender.com",
  "fly.dev",
  "azurewebsites.net",
  "cloudfront.net",
  "ngrok.io",
  "ngrok-free.app",
  "nip.io",
  "sslip.io",
  "localtest.me",
]);

/** A parsed pattern: its canonical text, or why it is refused. */
type Parsed = { ok: true; pattern: string } | { ok: false; message: string };

const refuse = (message: string): Parsed => ({ ok: false, message });

/** `host.` and `host..` are the same host as `host` (the root label is empty). */
function trimDots(host: string): string {
  return host.replace(/\.+$/, "");
}

/** The host as WHATWG URL writes it, or null when URL refuses it. */
function canonicalHost(host: string): string | null {
  try {
    const url = new URL(`http://${host}/`);
    if (url.port !== "" || url.username !== "" || url.password !== "" || url.pathname !== "/") {
      return null;
    }
    return trimDots(url.hostname);
  } catch {
    return null;
  }
}

const isIpv4 = (host: string) => /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host);

/** Checks one entry and writes it canonically; the messages say what to write instead. */
function parsePattern(raw: string): Parsed {
  const text = raw.trim().toLowerCase();
  if (text === "") return refuse("empty: write a hostname such as api.example.com");
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(text)) {
    return refuse(`"${raw}" is a URL: write only its host, without the scheme (api.example.com)`);
  }
  if (/[/?#\\]/.test(text)) {
    return refuse(`"${raw}" has a path: write only the host (api.example.com)`);
  }
  if (text.includes("@")) return refuse(`"${raw}" has user info: write only the host`);
  if (/\s/.test(text)) return refuse(`"${raw}" has spaces: write one host per entry`);
  if (text === "*") {
    return refuse(
      `"*" would allow every host: leave allowedHosts unset (null) for an unbound secret`,
    );
  }
  const wildcard = text.startsWith("*.");
  const rest = wildcard ? text.slice(2) : text;
  if (rest.includes("*")) {
    return refuse(
      `"${raw}": a wildcard may only be a leading "*." (as in *.example.com), not inside a name`,
    );
  }
  if (/^\[.*\](?::.*)?$/.test(rest) || (rest.split(":").length > 2 && !rest.startsWith("["))) {
    // An IPv6 literal, bracketed or not.
    if (/\]:/.test(rest)) return refuse(`"${raw}" has a port: write only the host`);
    if (wildcard) return refuse(`"${raw}": a wildcard needs a domain name, not an IP address`);
    const host = canonicalHost(rest.startsWith("[") ? rest : `[${rest}]`);
    return host === null
      ? refuse(`"${raw}" is not a valid IPv6 address`)
      : { ok: true, pattern: host };
  }
  if (rest.includes(":")) return refuse(`"${raw}" has a port: write only the host`);
  const host = canonicalHost(trimDots(rest));
  if (host === null || host === "") return refuse(`"${raw}" is not a valid hostname`);
  if (isIpv4(host)) {
    if (wildcard) return refuse(`"${raw}": a wildcard needs a domain name, not an IP address`);
    return { ok: true, pattern: host };
  }
  const labels = host.split(".");
  if (host.length > 253 || !labels.every((l) => LABEL.test(l))) {
    return refuse(
      `"${raw}" is not a valid hostname (labels of letters, digits, - and _, up to 63 characters)`,
    );
  }
  if (wildcard && labels.length === 1) {
    return refuse(
      `"${raw}" would match every name under the top-level domain .${host}: name the domain (*.example.${host})`,
    );
  }
  if (wildcard && PUBLIC_SUFFIXES.has(host)) {
    return refuse(
      `"${raw}": ${host} is a public suffix where anyone can get a name: name your own domain under it`,
    );
  }
  return { ok: true, pattern: wildcard ? `*.${host}` : host };
}

/**
 * One entry of `allowedHosts`, written canonically (lower case, punycode, no trailing dot).
 * A refused entry keeps its text, so the message quotes what was sent.
 */
export const AllowedHost = z
  .string()
  .max(260)
  .overwrite((raw) => {
    const parsed = parsePattern(raw);
    return parsed.ok ? parsed.pattern : raw;
  })
  .superRefine((value, ctx) => {
    const parsed = parsePattern(value);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
  });
export type AllowedHost = z.infer<typeof AllowedHost>;

/**
 * The hosts a secret may be sent to: 1 to 50 patterns, each checked and written canonically,
 * duplicates dropped. An unbound secret has no list (`null`), never an empty one.
 * @example
 * AllowedHosts.parse(["API.Stripe.com.", "*.stripe.com"]); // ["api.stripe.com", "*.stripe.com"]
 * AllowedHosts.safeParse(["https://api.stripe.com"]).success; // false, at [0]: "… is a URL …"
 */
export const AllowedHosts = z
  .array(AllowedHost)
  .min(1, "list at least one host, or send null to unbind the secret")
  .max(MAX_ALLOWED_HOSTS, `at most ${MAX_ALLOWED_HOSTS} hosts per secret`)
  .overwrite((hosts) => [...new Set(hosts)]);
export type AllowedHosts = z.infer<typeof AllowedHosts>;

/**
 * Whether a request to `hostname` may carry a secret bound to `patterns`. `hostname` is a
 * WHATWG `new URL().hostname` (lower case, IPv6 in brackets); trailing dots are ignored, so
 * `api.stripe.com..` is `api.stripe.com`. `*.suffix` matches names under the suffix, never
 * the suffix itself.
 * @example
 * hostAllowed(["api.stripe.com", "*.stripe.com"], "files.stripe.com"); // true
 * hostAllowed(["*.stripe.com"], "stripe.com"); // false
 * hostAllowed(["*.stripe.com"], "stripe.com.evil.example"); // false
 */
export function hostAllowed(patterns: readonly string[], hostname: string): boolean {
  const host = bare(hostname);
  if (host === "") return false;
  return patterns.some((raw) => {
    const pattern = bare(raw);
    if (!pattern.startsWith("*.")) return pattern === host;
    const suffix = pattern.slice(1); // ".stripe.com"
    return suffix.length > 1 && host.length > suffix.length && host.endsWith(suffix);
  });
}

/** Lower case, no trailing dots, IPv6 without brackets: the form both sides are compared in. */
function bare(host: string): string {
  const h = trimDots(host.trim().toLowerCase());
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/**
 * The stored column (`secrets.allowed_hosts`, a JSON array or NULL) as a list, or null for an
 * unbound secret. A value that is not a list of strings reads as an empty list, which allows
 * no host: a damaged binding fails closed.
 * @example
 * readAllowedHosts('["api.stripe.com"]'); // ["api.stripe.com"]
 * readAllowedHosts(null); // null (unbound)
 */
export function readAllowedHosts(column: string | null): string[] | null {
  if (column === null) return null;
  try {
    const value: unknown = JSON.parse(column);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : [];
  } catch {
    return [];
  }
}
