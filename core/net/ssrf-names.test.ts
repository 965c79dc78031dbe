import { describe, expect, it } from "vitest";
import { checkUrl } from "./address-policy";
import { parseAllowlist } from "./allowlist";

/**
 * A corpus of host names as an attacker would write them, judged the way the guard sees them:
 * parsed by WHATWG `new URL()` first, then `checkUrl`.
 */
const none = parseAllowlist("");
const check = (raw: string, allowlist = none) => checkUrl(new URL(raw), allowlist);

/** The same name, spelled every way a URL can carry it. */
function spellings(name: string): string[] {
  return [
    name,
    name.toUpperCase(),
    `${name}.`,
    `${name}..`,
    `${name}...`,
    `${name}%2E`,
    `${name}%2e%2e`,
    `${name}\u3002`, // ideographic full stop, mapped to "." by IDNA
    `${name}\uff0e`, // full-width full stop
  ];
}

function expectRefused(raw: string, reason: string): void {
  const result = check(raw);
  expect(result, raw).toMatchObject({ ok: false, code: "ssrf_blocked" });
  if (result.ok) return;
  expect(result.message, raw).toContain(reason);
  expect(result.message, raw).toContain("add it to AOB_HTTP_ALLOWLIST");
}

const EMBEDS = "wildcard-DNS service name";
const LOOPBACK = "whose every name resolves to 127.0.0.1";
const REBINDING = "DNS-rebinding service name";

describe("wildcard and rebinding DNS services are refused: apex, subdomain, any spelling", () => {
  it.each([
    ["nip.io", EMBEDS],
    ["127.0.0.1.nip.io", EMBEDS],
    ["169.254.169.254.nip.io", EMBEDS],
    ["app-10-0-0-1.nip.io", EMBEDS],
    ["app-7f000001.nip.io", EMBEDS],
    ["sslip.io", EMBEDS],
    ["127-0-0-1.sslip.io", EMBEDS],
    ["--1.sslip.io", EMBEDS],
    ["xip.io", EMBEDS],
    ["www.127.0.0.1.xip.io", EMBEDS],
    ["traefik.me", EMBEDS],
    ["10.0.0.1.traefik.me", EMBEDS],
    ["localtest.me", LOOPBACK],
    ["readme.localtest.me", LOOPBACK],
    ["lvh.me", LOOPBACK],
    ["app.lvh.me", LOOPBACK],
    ["vcap.me", LOOPBACK],
    ["api.vcap.me", LOOPBACK],
    ["localh.st", LOOPBACK],
    ["a.localh.st", LOOPBACK],
    ["fuf.me", LOOPBACK],
    ["localhost.direct", LOOPBACK],
    ["demo.localhost.direct", LOOPBACK],
    ["demo.localdev.me", LOOPBACK],
    ["app.lcl.host", LOOPBACK],
    ["make-1.2.3.4-rebind-169.254.169.254-rr.1u.ms", REBINDING],
    ["1u.ms", REBINDING],
    ["7f000001.c0a80001.rbndr.us", REBINDING],
    ["a.1.2.3.4.1time.127.0.0.1.forever.rebind.network", REBINDING],
    ["s-1.2.3.4-127.0.0.1-1234-fs-e.d.rebind.it", REBINDING],
  ])("%s", (name, reason) => {
    for (const spelled of spellings(name)) {
      expectRefused(`http://${spelled}:8080/path`, reason);
    }
  });

  it("names the normalised host and the service in the message", () => {
    expect(check("http://127.0.0.1.NIP.io../")).toEqual({
      ok: false,
      code: "ssrf_blocked",
      message:
        "refused: 127.0.0.1.nip.io is a wildcard-DNS service name (nip.io) that resolves to any address it embeds; add it to AOB_HTTP_ALLOWLIST to allow it in development",
    });
  });

  it("full-width letters are mapped before the check", () => {
    expectRefused("http://\uff4e\uff49\uff50.\uff49\uff4f/", EMBEDS); // ｎｉｐ.ｉｏ
  });
});

describe("every trailing-dot and IDNA-dot form of an inward name or address is refused", () => {
  it.each([
    ["localhost", "localhost is a loopback name"],
    ["app.localhost", "app.localhost is a loopback name"],
    ["metadata.google.internal", "metadata.google.internal is a cloud metadata name"],
    ["metadata", "metadata is a cloud metadata name"],
    ["printer.local", "printer.local is a multicast-DNS (.local) name"],
    ["127.0.0.1", "127.0.0.1 is a loopback address"],
    ["169.254.169.254", "169.254.169.254 is a cloud metadata address"],
    ["10.0.0.1", "10.0.0.1 is a private (RFC 1918) address"],
  ])("%s", (name, reason) => {
    for (const spelled of spellings(name)) {
      expectRefused(`http://${spelled}/`, reason);
    }
  });

  it("IDNA dots between labels and full-width digits", () => {
    expectRefused("http://127\u30020\u30020\u30021/", "127.0.0.1 is a loopback address");
    expectRefused("http://\uff11\uff12\uff17.0.0.1/", "127.0.0.1 is a loopback address");
    expectRefused("http://metadata\u3002google\u3002internal\u3002\u3002/", "cloud metadata name");
    expectRefused("http://%6c%6f%63alhost%2e%2e/", "localhost is a loopback name");
  });

  it("names with an empty label (which resolvers treat inconsistently)", () => {
    for (const name of [".localhost", "a..b.example.com", "..", "api..stripe.com"]) {
      expectRefused(`http://${name}/`, "empty label");
    }
  });
});

describe("names that spell out an inward IPv4 address on any domain are refused", () => {
  it.each([
    ["10-0-0-1.xip.example.com", "embeds 10.0.0.1, a private (RFC 1918) address"],
    ["app.192.168.1.1.example.org", "embeds 192.168.1.1, a private (RFC 1918) address"],
    ["www-127-0-0-1.example.net", "embeds 127.0.0.1, a loopback address"],
    ["x.169-254-169-254.example.com.", "embeds 169.254.169.254, a cloud metadata address"],
  ])("%s", (name, reason) => {
    expectRefused(`http://${name}/`, reason);
  });
});

describe("public names pass, including ones that merely contain a service's name", () => {
  it.each([
    "api.stripe.com",
    "api.stripe.com.",
    "hooks.slack.com",
    "api.github.com",
    "nip.io.example.com",
    "sslip.io.example.com",
    "localtest.me.example.com",
    "mynip.io",
    "notlvh.me",
    "1u.ms.example.com",
    "localhost.example.com",
    "ec2-54-1-2-3.compute-1.amazonaws.com",
    "v1-2-3-4.api.example.com",
    "a1-2-3.example.com",
    "1234-5-6-7.example.com",
    "bücher.example",
    "xn--bcher-kva.example",
  ])("%s", (name) => {
    expect(check(`https://${name}/`)).toEqual({ ok: true });
  });
});

describe("the allow-list still lifts a wildcard-DNS refusal (development)", () => {
  it("an exact host entry allows that name in any spelling, and nothing else", () => {
    const allow = parseAllowlist("127.0.0.1.nip.io:8080");
    expect(check("http://127.0.0.1.nip.io:8080/", allow)).toEqual({ ok: true });
    expect(check("http://127.0.0.1.NIP.IO..:8080/", allow)).toEqual({ ok: true });
    expect(check("http://127.0.0.1.nip.io:9090/", allow)).toMatchObject({ ok: false });
    expect(check("http://127.0.0.2.nip.io:8080/", allow)).toMatchObject({ ok: false });
  });

  it("an entry written with trailing dots is read without them", () => {
    expect(check("http://localhost/", parseAllowlist("localhost.."))).toEqual({ ok: true });
  });
});
