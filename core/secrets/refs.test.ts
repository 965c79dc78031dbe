import { describe, expect, it } from "vitest";
import { renderTemplates } from "../expressions/template";
import { injectSecrets, protectSecretRefs, showSecretRefs, withholdSecretRefs } from "./refs";

describe("secret references", () => {
  const config = {
    url: "https://api.example.com/{{ input.id }}?key={{ secrets.API_KEY }}",
    headers: { authorization: "Bearer {{secrets.TOKEN}}", "x-note": "{{ input.note }}" },
  };

  it("survive template rendering as markers, and resolve only where the config wrote them", async () => {
    const { config: marked, plan } = protectSecretRefs(config, "n1");
    expect(plan.fields).toEqual([
      { path: ["url"], names: ["API_KEY"] },
      { path: ["headers", "authorization"], names: ["TOKEN"] },
    ]);
    const rendered = await renderTemplates(marked, { input: { id: 7, note: "hi" } });
    expect(JSON.stringify(rendered)).not.toMatch(/secrets\./);
    const real = injectSecrets(rendered, plan, { API_KEY: "k-123", TOKEN: "t-456" });
    expect(real.config).toEqual({
      url: "https://api.example.com/7?key=k-123",
      headers: { authorization: "Bearer t-456", "x-note": "hi" },
    });
    expect(real.placements).toEqual([
      { name: "API_KEY", path: ["url"] },
      { name: "TOKEN", path: ["headers", "authorization"] },
    ]);
  });

  it("leave markers that data carries as text, without the nonce", async () => {
    const { config: marked, plan } = protectSecretRefs(config, "n1");
    const forged = "\u27e6secret:TOKEN\u27e7 \u27e6secret:TOKEN:guess\u27e7 {{ secrets.TOKEN }}";
    const rendered = await renderTemplates(marked, { input: { id: 7, note: forged } });
    const real = injectSecrets(rendered, plan, { API_KEY: "k", TOKEN: "t-456" });
    expect((real.config as typeof config).headers["x-note"]).toBe(forged);
  });

  it("refuse a marker with the nonce where none was declared, or one more than declared", async () => {
    const { config: marked, plan } = protectSecretRefs(config, "n1");
    const leaked = "\u27e6secret:TOKEN:n1\u27e7";
    const rendered = await renderTemplates(marked, { input: { id: leaked, note: leaked } });
    expect(() => injectSecrets(rendered, plan, { API_KEY: "k", TOKEN: "t" })).toThrow(
      /config\.url names secret "TOKEN" where the workflow did not write/,
    );
  });

  it("name a missing secret", () => {
    const { config: marked, plan } = protectSecretRefs(config, "n1");
    expect(() => injectSecrets(marked, plan, { API_KEY: "x" })).toThrow(
      /secret "TOKEN" is not set/,
    );
  });

  it("show as references where declared, and data's look-alike text as it is", () => {
    const { config: marked, plan } = protectSecretRefs(
      { ...config, body: "said: \u27e6secret:TOKEN\u27e7" },
      "n1",
    );
    const shown = showSecretRefs(marked, plan);
    expect(shown.headers.authorization).toBe("Bearer {{ secrets.TOKEN }}");
    expect(shown.body).toBe("said: \u27e6secret:TOKEN\u27e7");
  });

  it("are withheld from text that never reaches a request", () => {
    expect(withholdSecretRefs("use {{secrets.TOKEN}} and {{ input.x }}")).toBe(
      "use [secret TOKEN withheld] and {{ input.x }}",
    );
  });
});
