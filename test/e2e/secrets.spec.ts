import { expect, test } from "./fixtures";

interface Listed {
  secrets: { name: string; allowedHosts: string[] | null; bound: boolean }[];
}

test("the secrets page flags unbound secrets, sets one with hosts and binds another", async ({
  signedIn: page,
  api,
}, info) => {
  await api.call("PUT", "/api/secrets/E2E_LEGACY", { value: "legacy-value-e2e" });

  await page.goto("/");
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Secrets" })
    .click();
  await expect(page).toHaveURL(/\/secrets$/);
  const legacy = page.getByTestId("hosts-E2E_LEGACY");
  await expect(legacy).toHaveText("⚠ unbound: may be sent to any host");
  await expect(page.getByRole("status")).toContainText("unbound: a workflow may send");

  // A new secret with hosts: a bad entry is named before anything is sent.
  const form = page.getByRole("form", { name: "Set a secret" });
  await form.getByLabel("Name").fill("E2E_STRIPE");
  await form.getByLabel("Value").fill("sk_e2e_value");
  await form.getByLabel("Allowed hosts").fill("https://api.stripe.com\n*.stripe.com");
  await expect(form).toContainText("is a URL: write only its host");
  await expect(form.getByRole("button", { name: "Save secret" })).toBeDisabled();
  await form.getByLabel("Allowed hosts").fill("API.stripe.com\n*.stripe.com");
  await form.getByRole("button", { name: "Save secret" }).click();
  await expect(page.getByTestId("hosts-E2E_STRIPE")).toHaveText("api.stripe.com*.stripe.com");
  await page.screenshot({ path: info.outputPath("secrets.png") });

  // Bind the legacy secret in place; the warning goes.
  await page
    .locator('[data-secret="E2E_LEGACY"]')
    .getByRole("button", { name: "Bind to hosts" })
    .click();
  await page.getByLabel("Allowed hosts of E2E_LEGACY").fill("hooks.example.com");
  await page.getByRole("button", { name: "Save hosts" }).click();
  await expect(legacy).toHaveText("hooks.example.com");
  await expect(page.getByRole("status")).toHaveCount(0);

  const { secrets } = await api.call<Listed>("GET", "/api/secrets");
  // Other specs keep secrets in the same tenant: only this spec's two.
  const mine = secrets.filter((s) => s.name === "E2E_LEGACY" || s.name === "E2E_STRIPE");
  expect(mine).toEqual([
    expect.objectContaining({ name: "E2E_LEGACY", allowedHosts: ["hooks.example.com"] }),
    expect.objectContaining({
      name: "E2E_STRIPE",
      allowedHosts: ["api.stripe.com", "*.stripe.com"],
    }),
  ]);
  const html = await page.content();
  expect(html).not.toContain("sk_e2e_value");
  expect(html).not.toContain("legacy-value-e2e");
});

test("the status page sets retention, shows what is stored, and deletes all data only once the tenant's id is typed", async ({
  signedIn: page,
  api,
}) => {
  const { tenantId } = await api.call<{ tenantId: string }>("GET", "/api/sessions/current");
  await page.goto("/status");
  await expect(page.getByTestId("usage")).toContainText(/Stored now: \d+ runs/);
  await page.getByLabel("Keep finished runs (days)").fill("45");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const { policy } = await api.call<{ policy: { days: number } }>("GET", "/api/retention");
  expect(policy.days).toBe(45);

  await page.getByRole("button", { name: /Delete all of this tenant's data/ }).click();
  const go = page.getByRole("button", { name: "Delete everything" });
  await expect(go).toBeDisabled();
  await page.getByLabel(/Type the tenant's id/).fill(`${tenantId}x`);
  await expect(go).toBeDisabled();
  await page.getByLabel(/Type the tenant's id/).fill(tenantId);
  await expect(go).toBeEnabled();
  await page.getByRole("button", { name: "Keep everything" }).click();
  await expect(go).toHaveCount(0);
  expect(
    (await api.call<{ workflows: unknown[] }>("GET", "/api/workflows")).workflows,
  ).toBeDefined();
});
