import { createHmac } from "node:crypto";
import { expect, test } from "./fixtures";

test("turns a workflow's webhook and signing on from the builder; the secret shown once signs a delivery", async ({
  signedIn: page,
  api,
}, info) => {
  const { id } = await api.call<{ id: string }>("POST", "/api/workflows", {
    name: "e2e-hook",
    nodes: [{ id: "start", type: "start" }],
    edges: [],
  });
  await page.goto(`/workflows/${id}`);
  const triggers = page.getByRole("region", { name: "Triggers" });
  // The boxes follow the server's answer, so click and wait for the state it reports.
  await triggers.getByLabel("Webhook", { exact: true }).click();
  await expect(triggers.getByLabel("Webhook", { exact: true })).toBeChecked();
  const url = (
    await triggers.locator("p", { hasText: "Webhook URL" }).locator("code").textContent()
  )?.trim();
  expect(url).toContain(`/hooks/${id}/`);
  await triggers.getByLabel("Require signed deliveries (HMAC-SHA256)").click();
  const secret = (
    await triggers.locator("p", { hasText: "Signing secret" }).locator("code").first().textContent()
  )?.trim();
  expect(secret).toMatch(/^whsec_/);
  await page.screenshot({ path: info.outputPath("triggers.png") });

  const body = '{"from":"e2e"}';
  const unsigned = await fetch(url ?? "", { method: "POST", body });
  expect(unsigned.status).toBe(401);
  const ts = String(Math.floor(Date.now() / 1000));
  const mac = createHmac("sha256", secret ?? "")
    .update(`${ts}.${body}`)
    .digest("hex");
  const signed = await fetch(url ?? "", {
    method: "POST",
    headers: { "x-aob-timestamp": ts, "x-aob-signature": `sha256=${mac}` },
    body,
  });
  expect(signed.status).toBe(202);

  // Turning signing off from the UI accepts unsigned deliveries again; a reload shows the state.
  await triggers.getByLabel("Require signed deliveries (HMAC-SHA256)").click();
  await expect(triggers.getByLabel("Require signed deliveries (HMAC-SHA256)")).not.toBeChecked();
  expect((await fetch(url ?? "", { method: "POST", body })).status).toBe(202);
  await page.reload();
  await expect(
    page.getByRole("region", { name: "Triggers" }).getByLabel("Webhook", { exact: true }),
  ).toBeChecked();
});
