import type { IPv4, IPv6 } from "ipaddr.js";
import ipaddr from "ipaddr.js";
import { assertNever } from "../errors";

/**
 * One entry of `AOB_HTTP_ALLOWLIST`. An entry without a port matches every port; a hostname
 * entry matches that exact name only (no subdomains), an address entry that exact address.
 */
export type AllowlistEntry =
  | { kind: "host"; host: string; port?: number }
  | { kind: "address"; address: IPv4 | IPv6; port?: number }
  | { kind: "cidr"; network: IPv4 | IPv6; prefix: number };

export type Allowlist = readonly AllowlistEntry[];

const LABEL = "[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?";
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * Parses `AOB_HTTP_ALLOWLIST`: comma-separated hostnames, `host:port`, IPv4 or IPv6 addresses,
 * `[v6]:port` and CIDRs. Whitespace and empty items (a trailing comma) are ignored; anything
 * else that does not parse throws an Error naming the entry, so a typo fails at start-up
 * instead of silently refusing (or allowing) something.
 * @example
 * parseAllowlist("127.0.0.1:8080, ::1/128, localhost");
 * // [{ kind: "address", port: 8080, ... }, { kind: "cidr", prefix: 128, ... }, { kind: "host", host: "localhost" }]
 */
export function parseAllowlist(raw: string | undefined): Allowlist {
  if (raw === undefined) return [];
  return raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map(parseEntry);
}

/**
 * Whether the allow-list lets `hostname:port` through. `hostname` is a WHATWG `url.hostname`
 * (IPv6 in brackets); an IPv4-mapped IPv6 address is judged as its IPv4 address.
 * @example
 * isAllowed(parseAllowlist("127.0.0.1:8080"), "127.0.0.1", 8080); // true
 * isAllowed(parseAllowlist("127.0.0.1:8080"), "127.0.0.1", 9090); // false
 */
export function isAllowed(allowlist: Allowlist, hostname: string, port: number): boolean {
  const host = normaliseHostname(hostname);
  const address = parseAddress(host);
  return allowlist.some((entry) => matches(entry, host, address, port));
}

function matches(
  entry: AllowlistEntry,
  host: string,
  address: IPv4 | IPv6 | undefined,
  port: number,
): boolean {
  switch (entry.kind) {
    case "host":
      return entry.host === host && portMatches(entry.port, port);
    case "address":
      return (
        address !== undefined &&
        sameAddress(entry.address, address) &&
        portMatches(entry.port, port)
      );
    case "cidr":
      return (
        address !== undefined &&
        address.kind() === entry.network.kind() &&
        address.match(entry.network, entry.prefix)
      );
    default:
      return assertNever(entry, "allow-list entry");
  }
}

/**
 * Lower-case, without IPv6 brackets or trailing dots. All of them: WHATWG URL keeps
 * `localhost..` as written (only one root dot is ignored when it reads IPv4), and a resolver
 * that drops them would reach `localhost`.
 * @example
 * normaliseHostname("LOCALHOST.."); // "localhost"
 * normaliseHostname("[::1]"); // "::1"
 */
export function normaliseHostname(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return withoutTrailingDots(host);
}

/** A loop, not `/\.+$/`: that regex backtracks quadratically on a long run of inner dots. */
function withoutTrailingDots(host: string): string {
  let end = host.length;
  while (end > 0 && host[end - 1] === ".") end -= 1;
  return host.slice(0, end);
}

/** An IP address with IPv4-mapped IPv6 unwrapped, or undefined for a hostname. */
export function parseAddress(host: string): IPv4 | IPv6 | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return ipaddr.IPv4.parse(host);
  if (host.includes(":") && !host.includes("%") && ipaddr.IPv6.isValid(host)) {
    const v6 = ipaddr.IPv6.parse(host);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return undefined;
}

function parseEntry(entry: string): AllowlistEntry {
  const fail = (why: string): never => {
    throw new Error(`AOB_HTTP_ALLOWLIST: invalid entry "${entry}": ${why}`);
  };
  if (entry.includes("://")) return fail("write a hostname or address, not a URL");
  if (entry.includes("/")) {
    const [addr = "", bits = ""] = entry.split("/");
    const network = parseAddress(addr.toLowerCase());
    const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
    if (network === undefined) return fail("a CIDR needs an IPv4 or IPv6 network address");
    const max = network.kind() === "ipv4" ? 32 : 128;
    if (!(prefix >= 0 && prefix <= max)) return fail(`the prefix length must be 0-${max}`);
    return { kind: "cidr", network, prefix };
  }
  let host = entry.toLowerCase();
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(host);
  if (bracketed) {
    host = bracketed[1] ?? "";
    portText = bracketed[2];
    if (!host.includes(":")) return fail("only IPv6 addresses go in brackets");
  } else if (host.split(":").length === 2) {
    [host = "", portText] = host.split(":");
  }
  const port = portText === undefined ? undefined : parsePort(portText);
  if (port === null) return fail("the port must be an integer 1-65535");
  host = withoutTrailingDots(host);
  const address = parseAddress(host);
  if (address !== undefined) return withPort({ kind: "address", address }, port);
  if (host.includes(":")) return fail("not a valid IPv6 address (write [v6]:port for a port)");
  if (!HOSTNAME.test(host) || host.length > 253) return fail("not a hostname or IP address");
  // WHATWG URL reads a name whose last label is numeric as IPv4 (127.1, 0x7f000001).
  if (/^(?:\d+|0x[0-9a-f]*)$/.test(host.split(".").at(-1) ?? "")) {
    return fail("write IPv4 addresses in dotted-decimal form, e.g. 127.0.0.1");
  }
  return withPort({ kind: "host", host }, port);
}

function withPort<T extends AllowlistEntry>(entry: T, port: number | undefined): T {
  return port === undefined ? entry : { ...entry, port };
}

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

function portMatches(entryPort: number | undefined, port: number): boolean {
  return entryPort === undefined || entryPort === port;
}

function sameAddress(a: IPv4 | IPv6, b: IPv4 | IPv6): boolean {
  return a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
}
