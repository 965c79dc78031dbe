import { describe, expect, it } from "vitest";
import { AllowedHosts, hostAllowed, readAllowedHosts } from "./hosts";

/** The message zod reports for a one-entry list, and the path it reports it at. */
function refusal(entry: string): { path: PropertyKey[]; message: string } {
  const result = AllowedHosts.safeParse([entry]);
  if (result.success) throw new Error(`${JSON.stringify(entry)} was accepted`);
  const issue = result.error.issues[0];
  return { path: issue?.path ?? [], message: issue?.message ?? "" };
}

describe("AllowedHosts", () => {
  it("accepts hostnames, IP literals and leading wildcards, written canonically", () => {
    expect(
      AllowedHosts.parse([
        "API.Stripe.COM",
        "*.stripe.com",
        "hooks.example.com.",
        "files.example.com..",
        "  spaced.example.com ",
        "203.0.113.7",
        "[2001:DB8::1]",
        "2001:db8::2",
        "bücher.de",
        "*.Bücher.de",
        "localhost",
        "my_service.internal.example",
      ]),
    ).toEqual([
      "api.stripe.com",
      "*.stripe.com",
      "hooks.example.com",
      "files.example.com",
      "spaced.example.com",
      "203.0.113.7",
      "[2001:db8::1]",
      "[2001:db8::2]",
      "xn--bcher-kva.de",
      "*.xn--bcher-kva.de",
      "localhost",
      "my_service.internal.example",
    ]);
  });

  it("drops duplicates after normalising", () => {
    expect(AllowedHosts.parse(["api.stripe.com", "API.stripe.com.", "*.stripe.com"])).toEqual([
      "api.stripe.com",
      "*.stripe.com",
    ]);
  });

  it.each([
    ["https://api.stripe.com", /is a URL/],
    ["api.stripe.com/v1", /has a path/],
    ["api.stripe.com?x=1", /has a path/],
    ["api.stripe.com:443", /has a port/],
    ["[2001:db8::1]:443", /has a port/],
    ["user@api.stripe.com", /user info/],
    ["", /empty/],
    ["   ", /empty/],
    ["*", /every host/],
    ["*.com", /top-level domain/],
    ["*.", /not a valid hostname/],
    ["*.co.uk", /public suffix/],
    ["*.github.io", /public suffix/],
    ["api.*.stripe.com", /leading "\*\."/],
    ["*.*.stripe.com", /leading "\*\."/],
    ["a*.stripe.com", /leading "\*\."/],
    ["*stripe.com", /leading "\*\."/],
    ["*.203.0.113.7", /not an IP address/],
    ["api stripe.com", /spaces/],
    ["a!b.example.com", /not a valid hostname/],
    ["-lead.example.com", /not a valid hostname/],
    ["a..b.example.com", /not a valid hostname/],
    ["gg::zz::1", /not a valid IPv6/],
  ])("refuses %j with a message at its index", (entry, message) => {
    const { path, message: text } = refusal(entry);
    expect(path).toEqual([0]);
    expect(text).toMatch(message);
  });

  it("reports each bad entry at its own index, and refuses empty and oversized lists", () => {
    const result = AllowedHosts.safeParse(["ok.example.com", "https://x.example.com", "*"]);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path)).toEqual([[1], [2]]);
    expect(AllowedHosts.safeParse([]).error?.issues[0]?.message).toMatch(/at least one host/);
    const many = Array.from({ length: 51 }, (_, i) => `h${i}.example.com`);
    expect(AllowedHosts.safeParse(many).error?.issues[0]?.message).toMatch(/at most 50/);
  });
});

describe("hostAllowed", () => {
  const patterns = AllowedHosts.parse(["api.stripe.com", "*.example.com", "[2001:db8::1]"]);

  it("matches exact hosts and names under a wildcard's suffix, never the suffix itself", () => {
    expect(hostAllowed(patterns, "api.stripe.com")).toBe(true);
    expect(hostAllowed(patterns, "a.example.com")).toBe(true);
    expect(hostAllowed(patterns, "a.b.example.com")).toBe(true);
    expect(hostAllowed(patterns, "example.com")).toBe(false);
    expect(hostAllowed(patterns, "stripe.com")).toBe(false);
    expect(hostAllowed(patterns, "files.stripe.com")).toBe(false);
  });

  it("is not fooled by look-alike names", () => {
    expect(hostAllowed(patterns, "api.stripe.com.evil.example")).toBe(false);
    expect(hostAllowed(patterns, "evilapi.stripe.com")).toBe(false);
    expect(hostAllowed(patterns, "badexample.com")).toBe(false);
    expect(hostAllowed(patterns, "example.com.evil.example")).toBe(false);
    expect(hostAllowed(patterns, "")).toBe(false);
  });

  it("takes hostnames as WHATWG URL gives them: trailing dots, case, IPv6 brackets", () => {
    const host = (url: string) => new URL(url).hostname;
    expect(hostAllowed(patterns, host("https://API.STRIPE.COM./v1"))).toBe(true);
    expect(hostAllowed(patterns, "api.stripe.com..")).toBe(true);
    expect(hostAllowed(patterns, host("https://a.example.com../"))).toBe(true);
    expect(hostAllowed(patterns, host("http://[2001:DB8:0::1]:8080/"))).toBe(true);
    expect(hostAllowed(patterns, host("http://[2001:db8::2]/"))).toBe(false);
  });

  it("allows nothing with an empty list", () => {
    expect(hostAllowed([], "api.stripe.com")).toBe(false);
  });
});

describe("readAllowedHosts", () => {
  it("reads the stored column; NULL is unbound and a damaged value allows nothing", () => {
    expect(readAllowedHosts(null)).toBeNull();
    expect(readAllowedHosts('["api.stripe.com","*.stripe.com"]')).toEqual([
      "api.stripe.com",
      "*.stripe.com",
    ]);
    expect(readAllowedHosts("not json")).toEqual([]);
    expect(readAllowedHosts('{"a":1}')).toEqual([]);
    expect(readAllowedHosts("[1]")).toEqual([]);
  });
});
