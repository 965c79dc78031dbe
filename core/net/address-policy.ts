import type { IPv4, IPv6 } from "ipaddr.js";
import ipaddr from "ipaddr.js";
import { type Allowlist, isAllowed, normaliseHostname, parseAddress } from "./allowlist";
import { embeddedIPv4, wildcardDnsReason } from "./wildcard-dns";

/**
 * Which URLs the platform may fetch. Judged on the WHATWG-parsed URL, never the raw string:
 * `new URL()` already turns decimal, octal, hex, short and Unicode-digit IPv4 hosts into
 * dotted form, so `http://0x7f000001/` arrives here as `127.0.0.1`.
 *
 * Names are judged after `normaliseHostname` (lower case, every trailing dot dropped: WHATWG
 * keeps `localhost..` as written, and maps `localhost%2E` and `localhost。` to `localhost.`).
 * The well-known wildcard and rebinding DNS services (`127.0.0.1.nip.io`, `localtest.me`,
 * `*.1u.ms`, see `wildcard-dns.ts`) are refused by name, as is any name that spells out an
 * inward IPv4 address the way those services read it.
 *
 * Limit, stated honestly: any other public hostname may resolve to an inward address (an
 * attacker's own DNS zone, DNS rebinding). Workers' `fetch` cannot pin a resolved IP, so this
 * check cannot see that; production relies on Cloudflare's egress reaching public addresses
 * only. `wrangler dev` has no such egress filter, which is why the checks below must hold.
 */

export type PolicyCode = "ssrf_blocked" | "scheme_not_allowed" | "credentials_in_url";

export type PolicyResult = { ok: true } | { ok: false; code: PolicyCode; message: string };

/** IANA's global unicast block; the rest of IPv6 is special-purpose or unassigned. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");

const METADATA_ADDRESSES = new Set(["169.254.169.254", "fd00:ec2::254", "169.254.170.2"]);
const METADATA_NAMES = new Set(["metadata.google.internal", "metadata", "instance-data"]);

const RANGE_REASONS: Readonly<Record<string, string>> = {
  loopback: "a loopback address",
  private: "a private (RFC 1918) address",
  linkLocal: "a link-local address",
  carrierGradeNat: "a carrier-grade NAT (100.64.0.0/10) address",
  multicast: "a multicast address",
  unspecified: "an unspecified address",
  broadcast: "the broadcast address",
  reserved: "a reserved address",
  uniqueLocal: "a unique-local (fc00::/7) address",
  rfc6052: "a NAT64 (64:ff9b::/96) address, which can reach IPv4 inside the network",
  "6to4": "a 6to4 (2002::/16) address, which embeds an IPv4 address",
  teredo: "a Teredo (2001::/32) address, which embeds an IPv4 address",
  rfc6145: "an IPv4-translated address",
};

/**
 * Decides whether `url` may be fetched: http(s) only, no credentials in the URL, and no host
 * that points inward (loopback, private, link-local, metadata, ... ) unless the allow-list
 * names it. The allow-list lifts only the inward-host refusal, never the scheme or
 * credentials ones.
 * @example
 * checkUrl(new URL("http://2130706433/"), []);
 * // { ok: false, code: "ssrf_blocked", message: "refused: 127.0.0.1 is a loopback address; ..." }
 * checkUrl(new URL("https://example.com/"), []); // { ok: true }
 */
export function checkUrl(url: URL, allowlist: Allowlist): PolicyResult {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return refuse(
      "scheme_not_allowed",
      `refused: ${url.protocol} URLs are not allowed; only http: and https: can be fetched`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    return refuse(
      "credentials_in_url",
      `refused: the URL for ${url.hostname} carries credentials (user:password@); send them in an Authorization header instead`,
    );
  }
  const inward = inwardReason(url.hostname);
  if (inward === undefined || isAllowed(allowlist, url.hostname, effectivePort(url))) {
    return { ok: true };
  }
  return refuse(
    "ssrf_blocked",
    `refused: ${inward}; add it to AOB_HTTP_ALLOWLIST to allow it in development`,
  );
}

/** The port a request to `url` connects to. */
export function effectivePort(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/** Why `hostname` points inward ("127.0.0.1 is a loopback address"), or undefined if public. */
function inwardReason(hostname: string): string | undefined {
  const host = normaliseHostname(hostname);
  const address = parseAddress(host);
  if (address === undefined) {
    const why = hostnameReason(host);
    if (why !== undefined) return `${host} is ${why}`;
    return embeddedReason(host);
  }
  const why = addressReason(address);
  const shown = address.toString();
  return why && (shown === host ? `${host} is ${why}` : `${host} maps to ${shown}, ${why}`);
}

/**
 * Names that resolve inward by convention. `.internal` is reserved by ICANN for private use
 * and never resolves publicly, so refusing it costs nothing; a single-label name resolves
 * through the local search domains (`metadata`, `kubernetes`), never to a public API.
 */
function hostnameReason(host: string): string | undefined {
  if (host.split(".").includes("")) return "a name with an empty label, which no public host has";
  if (METADATA_NAMES.has(host)) return "a cloud metadata name";
  if (host === "localhost" || host.endsWith(".localhost")) return "a loopback name";
  if (host.endsWith(".internal")) return "a private-use .internal name";
  if (host.endsWith(".local")) return "a multicast-DNS (.local) name";
  if (host.endsWith(".home.arpa")) return "a home-network (.home.arpa) name";
  if (host === "localdomain" || host.endsWith(".localdomain")) return "a local-domain name";
  if (!host.includes(".")) return "a single-label name, resolved by the local network";
  return wildcardDnsReason(host);
}

/** Why a name that spells out an inward IPv4 address (`10-0-0-1.xip.example.com`) is refused. */
function embeddedReason(host: string): string | undefined {
  for (const address of embeddedIPv4(host)) {
    const why = addressReason(address);
    if (why !== undefined) {
      return `${host} embeds ${address}, ${why}, the way wildcard-DNS services spell a name that resolves to it`;
    }
  }
  return undefined;
}

/** Only `unicast` passes (and for IPv6 only inside 2000::/3, which drops ::a.b.c.d forms). */
function addressReason(address: IPv4 | IPv6): string | undefined {
  if (METADATA_ADDRESSES.has(address.toString())) return "a cloud metadata address";
  const range = address.range();
  if (range !== "unicast") return RANGE_REASONS[range] ?? `a special-purpose (${range}) address`;
  if (address.kind() === "ipv6" && !address.match(GLOBAL_UNICAST_V6)) {
    return "outside the global unicast range 2000::/3";
  }
  return undefined;
}

function refuse(code: PolicyCode, message: string): PolicyResult {
  return { ok: false, code, message };
}
