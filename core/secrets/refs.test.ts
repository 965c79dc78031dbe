import { describe, expect, it } from "vitest";
import { renderTemplates } from "../expressions/template";
import { injectSecrets, protectSecretRefs, redactSecrets, secretNames } from "./refs";

describe("secret references", () => {
  const config = {
    url: "https://api.example.com/{{ input.id }}?key={{ secrets.API_KEY }}",
    headers: { authorization: "Bearer {{secrets.TOKEN}}" },
  };

  it("survive template rendering as markers, never as values", async () => {
    const rendered = await renderTemplates(protectSecretRefs(config), { input: { id: 7 } });
    expect(JSON.stringify(rendered)).not.toMatch(/secrets\./);
    expect(secretNames(rendered).sort()).toEqual(["API_KEY", "TOKEN"]);
    const real = injectSecrets(rendered, { API_KEY: "k-123", TOKEN: "t-456" });
    expect(real).toEqual({
      url: "https://api.example.com/7?key=k-123",
      headers: { authorization: "Bearer t-456" },
    });
  });

  it("names a missing secret", () => {
    expect(() => injectSecrets(protectSecretRefs(config), { API_KEY: "x" })).toThrow(
      /secret "TOKEN" is not set/,
    );
  });

  it("redacts values from anything that comes back", () => {
    const echoed = { body: { seen: "Bearer t-456", list: ["t-456t-456"] } };
    expect(redactSecrets(echoed, { TOKEN: "t-456" })).toEqual({
      body: { seen: "Bearer [redacted:TOKEN]", list: ["[redacted:TOKEN][redacted:TOKEN]"] },
    });
  });
});
