import type { IPv4 } from "ipaddr.js";
import ipaddr from "ipaddr.js";

/**
 * Public DNS services that answer with an inward address on purpose. They are ordinary public
 * names to a check that only reads the URL, so the guard refuses them (and every subdomain)
 * by name. The list is not complete and cannot be: anyone can run such a zone. It covers the
 * services SSRF payload lists use; `embeddedIPv4` below catches the nip.io-style spelling on
 * any other domain, and Cloudflare's egress is what stops the rest in production.
 *
 * - `embeds`: the service resolves a name to the address written in it.
 * - `loopback`: every name under the domain resolves to the loopback address.
 * - `rebinding`: the answer switches between addresses written in the name (DNS rebinding),
 *   so a first lookup can look public and the next one point inward.
 */
type ServiceKind = "embeds" | "loopback" | "rebinding";

const SERVICES: ReadonlyMap<string, ServiceKind> = new Map<string, ServiceKind>([
  // 10.0.0.1.nip.io, app-10-0-0-1.nip.io and the hex form app-0a000001.nip.io all give 10.0.0.1.
  ["nip.io", "embeds"],
  // Dots or dashes (127-0-0-1.sslip.io); IPv6 with dashes for colons (--1.sslip.io is ::1).
  ["sslip.io", "embeds"],
  // The original service (Basecamp); retired, so the name is free for anyone to take over.
  ["xip.io", "embeds"],
  // nip.io-style zone run for Traefik users (127.0.0.1.traefik.me); the apex answers 127.0.0.1.
  ["traefik.me", "embeds"],
  // Every name answers 127.0.0.1 (readme.localtest.me is the service's own page).
  ["localtest.me", "loopback"],
  // "local virtual host": every name answers 127.0.0.1; a common CI and tutorial choice.
  ["lvh.me", "loopback"],
  // Cloud Foundry's old local-cloud domain (api.vcap.me); every name answers 127.0.0.1.
  ["vcap.me", "loopback"],
  // Every name answers 127.0.0.1; a staple of SSRF payload lists.
  ["localh.st", "loopback"],
  // Every name answers 127.0.0.1; used for OAuth callbacks that refuse a literal address.
  ["fuf.me", "loopback"],
  // Every name answers 127.0.0.1, with a public wildcard certificate for local HTTPS.
  ["localhost.direct", "loopback"],
  // ingress-nginx's documented local domain (demo.localdev.me); every name answers 127.0.0.1.
  ["localdev.me", "loopback"],
  // Anchor's local-development domain (app.lcl.host); every name answers 127.0.0.1.
  ["lcl.host", "loopback"],
  // make-1.2.3.4-rebind-169.254.169.254-rr.1u.ms answers 1.2.3.4 first, then 169.254.169.254.
  ["1u.ms", "rebinding"],
  // Tavis Ormandy's rebinder (generated at lock.cmpxchg8b.com/rebinder.html):
  // 7f000001.c0a80001.rbndr.us answers either hex-encoded address at random.
  ["rbndr.us", "rebinding"],
  // whonow's public instance: A.1.2.3.4.1time.127.0.0.1.forever.rebind.network.
  ["rebind.network", "rebinding"],
  // NCC Group Singularity's public instance: s-1.2.3.4-127.0.0.1-<session>-fs-e.d.rebind.it.
  ["rebind.it", "rebinding"],
]);

const REASONS: Readonly<Record<ServiceKind, (service: string) => string>> = {
  embeds: (s) => `a wildcard-DNS service name (${s}) that resolves to any address it embeds`,
  loopback: (s) => `a name under ${s}, a public domain whose every name resolves to 127.0.0.1`,
  rebinding: (s) =>
    `a DNS-rebinding service name (${s}) whose answer switches to any address it embeds`,
};

/**
 * Why `host` (lower-case, no trailing dot) is a name of a known wildcard or rebinding DNS
 * service, or undefined. Matches the service's own name and every subdomain, never a name
 * that merely contains it (`nip.io.example.com` is example.com's).
 * @example
 * wildcardDnsReason("127.0.0.1.nip.io");
 * // "a wildcard-DNS service name (nip.io) that resolves to any address it embeds"
 * wildcardDnsReason("nip.io.example.com"); // undefined
 */
export function wildcardDnsReason(host: string): string | undefined {
  let suffix = host;
  for (;;) {
    const kind = SERVICES.get(suffix);
    if (kind !== undefined) return REASONS[kind](suffix);
    const dot = suffix.indexOf(".");
    if (dot === -1) return undefined;
    suffix = suffix.slice(dot + 1);
  }
}

/** Four decimal octets joined by dots or dashes, not part of a longer number. */
const EMBEDDED_V4 = /(?<![0-9])(?=(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})(?![0-9]))/g;

/**
 * The IPv4 addresses a hostname spells out the way nip.io and sslip.io read them
 * (`10.0.0.1.xip.example.com`, `app-10-0-0-1.example.com`), so a self-hosted copy of such a
 * service on any domain can be judged by the address it would return.
 * @example
 * embeddedIPv4("app-10-0-0-1.dev.example.com").map(String); // ["10.0.0.1"]
 * embeddedIPv4("api.example.com"); // []
 */
export function embeddedIPv4(host: string): IPv4[] {
  const found: IPv4[] = [];
  for (const match of host.matchAll(EMBEDDED_V4)) {
    const octets = match.slice(1, 5).map(Number);
    if (octets.every((n) => n <= 255)) found.push(new ipaddr.IPv4(octets));
  }
  return found;
}
