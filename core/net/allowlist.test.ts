import { describe, expect, it } from "vitest";
import { isAllowed, parseAllowlist } from "./allowlist";

describe("parseAllowlist", () => {
  it("reads an empty or missing value as an empty list", () => {
    expect(parseAllowlist("")).toEqual([]);
    expect(parseAllowlist("  ")).toEqual([]);
    expect(parseAllowlist(undefined)).toEqual([]);
  });

  it("reads every entry form, tolerating whitespace and a trailing comma", () => {
    const list = parseAllowlist(
      " localhost , api.dev.test:8443,127.0.0.1, 10.1.2.3:80, ::1, [::1]:9000, 127.0.0.0/8, fd00::/8 ,",
    );
    expect(list.map((e) => e.kind)).toEqual([
      "host",
      "host",
      "address",
      "address",
      "address",
      "address",
      "cidr",
      "cidr",
    ]);
    expect(list[0]).toEqual({ kind: "host", host: "localhost" });
    expect(list[1]).toEqual({ kind: "host", host: "api.dev.test", port: 8443 });
    expect(list[5]).toMatchObject({ kind: "address", port: 9000 });
    expect(list[6]).toMatchObject({ kind: "cidr", prefix: 8 });
  });

  it("lower-cases hostnames and drops a trailing root dot", () => {
    expect(parseAllowlist("Dev.Example.TEST.")).toEqual([
      { kind: "host", host: "dev.example.test" },
    ]);
  });

  it.each([
    ["127.0.0.1:0", "port"],
    ["127.0.0.1:65536", "port"],
    ["127.0.0.1:http", "port"],
    ["127.0.0.0/33", "prefix"],
    ["::1/129", "prefix"],
    ["127.0.0.0/", "prefix"],
    ["localhost/8", "CIDR"],
    ["exa mple.com", "hostname"],
    ["http://example.com", "not a URL"],
    ["*.example.com", "hostname"],
    ["[127.0.0.1]:80", "brackets"],
    ["1:2:3", "IPv6"],
    ["127.1", "dotted-decimal"],
    ["2130706433", "dotted-decimal"],
    ["0x7f000001", "dotted-decimal"],
  ])("throws on %s, naming the entry", (entry, why) => {
    expect(() => parseAllowlist(`localhost, ${entry}`)).toThrow(`"${entry}"`);
    expect(() => parseAllowlist(entry)).toThrow(why);
  });
});

describe("isAllowed", () => {
  const list = parseAllowlist("localhost:3000, 127.0.0.1, [::1]:9000, 10.0.0.0/8");

  it("matches hostnames exactly, case-insensitively, with the port when given", () => {
    expect(isAllowed(list, "localhost", 3000)).toBe(true);
    expect(isAllowed(list, "LOCALHOST.", 3000)).toBe(true);
    expect(isAllowed(list, "localhost", 3001)).toBe(false);
    expect(isAllowed(list, "a.localhost", 3000)).toBe(false);
  });

  it("matches addresses by value, bracketed IPv6 included", () => {
    expect(isAllowed(list, "127.0.0.1", 1)).toBe(true);
    expect(isAllowed(list, "[::ffff:7f00:1]", 1)).toBe(true);
    expect(isAllowed(list, "[::1]", 9000)).toBe(true);
    expect(isAllowed(list, "[0:0:0:0:0:0:0:1]", 9000)).toBe(true);
    expect(isAllowed(list, "[::1]", 80)).toBe(false);
  });

  it("matches CIDRs by range and family", () => {
    expect(isAllowed(list, "10.200.3.4", 443)).toBe(true);
    expect(isAllowed(list, "11.0.0.1", 443)).toBe(false);
    expect(isAllowed(list, "[::ffff:10.0.0.1]", 443)).toBe(true);
  });

  it("allows nothing with an empty list", () => {
    expect(isAllowed([], "127.0.0.1", 80)).toBe(false);
  });
});
