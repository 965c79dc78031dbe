import { describe, expect, it } from "vitest";
import { redactSecrets } from "./redact";

describe("redactSecrets", () => {
  it("redacts values from anything that comes back, keys included", () => {
    const echoed = { body: { seen: "Bearer t-456", list: ["t-456t-456"], "t-456": 1 } };
    expect(redactSecrets(echoed, { TOKEN: "t-456" })).toEqual({
      body: {
        seen: "Bearer [redacted:TOKEN]",
        list: ["[redacted:TOKEN][redacted:TOKEN]"],
        "[redacted:TOKEN]": 1,
      },
    });
  });

  it("redacts the encoded forms a value takes in a request", () => {
    const value = "Pa$s/w rd+Zz9é";
    const forms = [
      value.toLowerCase(), // a host
      encodeURIComponent(value), // a query or path segment
      encodeURIComponent(value).toLowerCase(), // lower-case percent escapes
      encodeURIComponent(value).replace(/%20/g, "+"), // a form body
      encodeURI(value),
      btoa(String.fromCharCode(...new TextEncoder().encode(value))), // base64
    ];
    for (const form of forms) {
      expect(redactSecrets(`got <${form}>`, { K: value }), form).toBe("got <[redacted:K]>");
    }
  });
});
