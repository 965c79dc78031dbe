import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkUrl } from "./address-policy";
import { parseAllowlist } from "./allowlist";

const none = parseAllowlist("");
const check = (raw: string, allowlist = none) => checkUrl(new URL(raw), allowlist);

describe("checkUrl refuses every inward form without an allow-list", () => {
  it.each([
    ["http://127.0.0.1", "127.0.0.1 is a loopback address"],
    ["http://2130706433/", "127.0.0.1 is a loopback address"],
    ["http://0x7f000001/", "127.0.0.1 is a loopback address"],
    ["http://017700000001/", "127.0.0.1 is a loopback address"],
    ["http://127.1/", "127.0.0.1 is a loopback address"],
    ["http://127.0.0.1./", "127.0.0.1 is a loopback address"],
    ["http://0/", "0.0.0.0 is an unspecified address"],
    ["http://0.0.0.0/", "0.0.0.0 is an unspecified address"],
    ["http://[::]/", ":: is an unspecified address"],
    ["http://[::1]/", "::1 is a loopback address"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1 maps to 127.0.0.1, a loopback address"],
    ["http://[::ffff:7f00:1]/", "::ffff:7f00:1 maps to 127.0.0.1, a loopback address"],
    ["http://[::ffff:169.254.169.254]/", "maps to 169.254.169.254, a cloud metadata address"],
    ["http://[::127.0.0.1]/", "::7f00:1 is outside the global unicast range 2000::/3"],
    ["http://169.254.169.254/latest/meta-data", "169.254.169.254 is a cloud metadata address"],
    ["http://169.254.1.1/", "169.254.1.1 is a link-local address"],
    ["http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata address"],
    ["http://[fd12:3456::1]/", "fd12:3456::1 is a unique-local (fc00::/7) address"],
    ["http://metadata.google.internal/", "metadata.google.internal is a cloud metadata name"],
    ["http://metadata/", "metadata is a cloud metadata name"],
    ["http://db.corp.internal/", "db.corp.internal is a private-use .internal name"],
    ["http://printer.local/", "printer.local is a multicast-DNS (.local) name"],
    ["http://intranet/", "intranet is a single-label name"],
    ["http://10.0.0.1", "10.0.0.1 is a private (RFC 1918) address"],
    ["http://172.16.0.1", "172.16.0.1 is a private (RFC 1918) address"],
    ["http://192.168.1.1", "192.168.1.1 is a private (RFC 1918) address"],
    ["http://100.64.0.1", "100.64.0.1 is a carrier-grade NAT (100.64.0.0/10) address"],
    ["http://224.0.0.1", "224.0.0.1 is a multicast address"],
    ["http://255.255.255.255", "255.255.255.255 is the broadcast address"],
    ["http://240.0.0.1", "240.0.0.1 is a reserved address"],
    ["http://[fe80::1]/", "fe80::1 is a link-local address"],
    ["http://[ff02::1]/", "ff02::1 is a multicast address"],
    ["http://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1 is a NAT64 (64:ff9b::/96) address"],
    ["http://[2002:7f00:1::]/", "2002:7f00:1:: is a 6to4 (2002::/16) address"],
    ["http://[2001:0:4136:e378::1]/", "is a Teredo (2001::/32) address"],
    ["http://localhost/", "localhost is a loopback name"],
    ["http://LOCALHOST./", "localhost is a loopback name"],
    ["http://foo.localhost/", "foo.localhost is a loopback name"],
  ])("%s", (raw, reason) => {
    const result = check(raw);
    expect(result).toMatchObject({ ok: false, code: "ssrf_blocked" });
    if (result.ok) return;
    expect(result.message).toContain(reason);
    expect(result.message).toContain("add it to AOB_HTTP_ALLOWLIST");
  });

  it("property: 127.0.0.0/8 in decimal, hex or octal integer form is refused", () => {
    const loopback = fc.integer({ min: 0x7f000000, max: 0x7fffffff });
    const written = fc.oneof(
      loopback.map((n) => `http://${n}/`),
      loopback.map((n) => `http://0x${n.toString(16)}/`),
      loopback.map((n) => `http://0X${n.toString(16).toUpperCase()}/`),
      loopback.map((n) => `http://0${n.toString(8)}/`),
    );
    fc.assert(
      fc.property(written, (raw) => {
        expect(check(raw)).toMatchObject({ ok: false, code: "ssrf_blocked" });
      }),
    );
  });
});

describe("checkUrl refuses schemes and credentials, even when allow-listed", () => {
  const everything = parseAllowlist("0.0.0.0/0, ::/0, example.com");

  it.each([
    ["ftp://example.com", "ftp:"],
    ["file:///etc/passwd", "file:"],
    ["gopher://example.com/", "gopher:"],
    ["javascript:alert(1)", "javascript:"],
  ])("%s is scheme_not_allowed", (raw, scheme) => {
    const result = check(raw, everything);
    expect(result).toMatchObject({ ok: false, code: "scheme_not_allowed" });
    expect(result.ok || result.message).toContain(scheme);
  });

  it.each(["http://user:pw@example.com/", "http://user@example.com/", "http://:pw@example.com/"])(
    "%s is credentials_in_url and does not echo the secret",
    (raw) => {
      const result = check(raw, everything);
      expect(result).toMatchObject({ ok: false, code: "credentials_in_url" });
      expect(result.ok || result.message).not.toContain("pw");
      expect(result.ok || result.message).toContain("example.com");
    },
  );
});

describe("checkUrl lets public addresses through", () => {
  it.each([
    "http://93.184.216.34/",
    "https://example.com/",
    "https://api.example.com:8443/v1?q=1",
    "http://[2606:4700:4700::1111]/",
    "http://[::ffff:93.184.216.34]/",
    "http://1.1.1.1/",
    "http://8.8.8.8/",
  ])("%s", (raw) => {
    expect(check(raw)).toEqual({ ok: true });
  });
});

describe("the allow-list overrides a refusal, and only for what it names", () => {
  it("an address entry allows that address on any port", () => {
    const allow = parseAllowlist("127.0.0.1");
    expect(check("http://127.0.0.1/", allow)).toEqual({ ok: true });
    expect(check("http://127.0.0.1:8080/", allow)).toEqual({ ok: true });
    expect(check("http://2130706433/", allow)).toEqual({ ok: true });
    expect(check("http://[::ffff:127.0.0.1]/", allow)).toEqual({ ok: true });
    expect(check("http://127.0.0.2/", allow)).toMatchObject({ ok: false, code: "ssrf_blocked" });
    expect(check("http://localhost/", allow)).toMatchObject({ ok: false, code: "ssrf_blocked" });
  });

  it("a host:port entry allows that port only", () => {
    const allow = parseAllowlist("127.0.0.1:8080");
    expect(check("http://127.0.0.1:8080/", allow)).toEqual({ ok: true });
    expect(check("http://127.0.0.1:9090/", allow)).toMatchObject({
      ok: false,
      code: "ssrf_blocked",
    });
    expect(check("http://127.0.0.1/", allow)).toMatchObject({ ok: false, code: "ssrf_blocked" });
  });

  it("a default port counts as that port", () => {
    expect(check("http://127.0.0.1/", parseAllowlist("127.0.0.1:80"))).toEqual({ ok: true });
    expect(check("https://127.0.0.1/", parseAllowlist("127.0.0.1:443"))).toEqual({ ok: true });
    expect(check("https://127.0.0.1/", parseAllowlist("127.0.0.1:80"))).toMatchObject({
      ok: false,
    });
  });

  it("a CIDR entry allows its whole range", () => {
    const allow = parseAllowlist("127.0.0.0/8");
    expect(check("http://127.0.0.1/", allow)).toEqual({ ok: true });
    expect(check("http://127.255.0.9:3000/", allow)).toEqual({ ok: true });
    expect(check("http://10.0.0.1/", allow)).toMatchObject({ ok: false, code: "ssrf_blocked" });
    expect(check("http://[::1]/", allow)).toMatchObject({ ok: false, code: "ssrf_blocked" });
    expect(check("http://[::1]/", parseAllowlist("::1/128"))).toEqual({ ok: true });
  });

  it("a hostname entry allows that name, not its subdomains", () => {
    const allow = parseAllowlist("localhost");
    expect(check("http://localhost/", allow)).toEqual({ ok: true });
    expect(check("http://localhost:5173/", allow)).toEqual({ ok: true });
    expect(check("http://foo.localhost/", allow)).toMatchObject({
      ok: false,
      code: "ssrf_blocked",
    });
    expect(check("http://127.0.0.1/", allow)).toMatchObject({ ok: false, code: "ssrf_blocked" });
  });
});
