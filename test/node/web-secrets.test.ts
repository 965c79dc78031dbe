import { describe, expect, it } from "vitest";
import {
  bindingLabel,
  checkHostsText,
  hostsText,
  splitHostsText,
  UNBOUND_TEXT,
} from "../../web/src/secrets/hosts-text";

describe("the secrets page's hosts field", () => {
  it("takes one host per line or comma-separated, and shows a binding one per line", () => {
    expect(splitHostsText(" api.stripe.com \n\n*.stripe.com, hooks.example.com,\n")).toEqual([
      "api.stripe.com",
      "*.stripe.com",
      "hooks.example.com",
    ]);
    expect(hostsText(["api.stripe.com", "*.stripe.com"])).toBe("api.stripe.com\n*.stripe.com");
    expect(hostsText(null)).toBe("");
  });

  it("checks entries with the API's schema and names each bad one before sending", () => {
    expect(checkHostsText("API.Stripe.com.\n*.stripe.com")).toEqual({
      ok: true,
      hosts: ["api.stripe.com", "*.stripe.com"],
    });
    const bad = checkHostsText("api.stripe.com\nhttps://evil.example/x\n*.com");
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.map((p) => p.entry)).toEqual(["https://evil.example/x", "*.com"]);
    expect(bad.problems[0]?.message).toContain("is a URL");
    expect(bad.problems[1]?.message).toContain("top-level domain");
  });

  it("flags an unbound secret in the list", () => {
    expect(bindingLabel(null)).toBe(UNBOUND_TEXT);
    expect(UNBOUND_TEXT).toBe("unbound: may be sent to any host");
    expect(bindingLabel(["a.example.com", "*.b.example.com"])).toBe(
      "a.example.com, *.b.example.com",
    );
  });
});
