import { expect, test } from "./fixtures";

test("an admin adds a webhook channel, sees its host and never its URL, is refused an inward URL at url, and deletes it", async ({
  signedIn: page,
}, info) => {
  const tag = `${Date.now().toString(36)}${info.workerIndex}`;
  const name = `hook-${tag}`;
  const llm = process.env.AOB_E2E_LLM ?? "";
  // The stub's host is on the suite's SSRF allow-list; the path stands for a webhook's secret.
  const url = `${llm}/hook/ui-${tag}`;
  await page.goto("/");
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Notifications" })
    .click();
  await expect(page).toHaveURL(/\/notifications$/);

  const form = page.getByRole("form", { name: "Set a channel" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Type").selectOption("webhook");
  await form.getByLabel("URL").fill(url);
  await expect(form.getByLabel(/^approval/)).toBeChecked();
  await form.getByRole("button", { name: "Add channel" }).click();
  const row = page.locator(`tr[data-channel="${name}"]`);
  await expect(row).toContainText(new URL(llm).host);
  await expect(row).toContainText("every approval");
  await expect(form.getByLabel("URL")).toHaveValue("");
  expect(await page.content()).not.toContain(`/hook/ui-${tag}`);

  // The SSRF guard refuses the cloud metadata address; the refusal names the field.
  await form.getByLabel("Name").fill(`bad-${tag}`);
  await form.getByLabel("URL").fill("http://169.254.169.254/");
  await form.getByRole("button", { name: "Add channel" }).click();
  await expect(form.getByRole("alert").locator("li")).toContainText(/^url: .*169\.254\.169\.254/);
  await expect(page.locator(`tr[data-channel="bad-${tag}"]`)).toHaveCount(0);
  await page.screenshot({ path: info.outputPath("notifications.png") });

  await row.getByRole("button", { name: "Delete" }).click();
  await page
    .getByRole("dialog", { name: `Delete ${name}?` })
    .getByRole("button", { name: "Delete channel" })
    .click();
  await expect(row).toHaveCount(0);
  expect(await page.content()).not.toContain(`/hook/ui-${tag}`);
});

test("an editor sets where run traces go, sees the host and header names only, is refused an inward endpoint, and stops it", async ({
  signedIn: page,
}, info) => {
  const tag = `${Date.now().toString(36)}${info.workerIndex}`;
  const llm = process.env.AOB_E2E_LLM ?? "";
  await page.goto("/notifications");
  const section = page.getByRole("region", { name: "Run traces (OpenTelemetry)" });
  const form = section.getByRole("form", { name: "Set the OTLP endpoint" });

  await form.getByLabel("OTLP/HTTP traces URL").fill("http://169.254.169.254/v1/traces");
  await form.getByRole("button", { name: /endpoint/ }).click();
  await expect(form.getByRole("alert").locator("li")).toContainText(/^endpoint: /);

  // Turned off, so the suite's other runs send nothing to the stub while this test runs.
  await form.getByLabel("OTLP/HTTP traces URL").fill(`${llm}/otlp-${tag}/v1/traces`);
  await form.getByLabel(/^Headers/).fill(`x-api-key: key-${tag}\nnot a header`);
  await expect(form.getByText("line 2: write it as name: value")).toBeVisible();
  await form.getByLabel(/^Headers/).fill(`x-api-key: key-${tag}`);
  await form.getByRole("checkbox", { name: /Send traces/ }).uncheck();
  await form.getByRole("button", { name: "Set endpoint" }).click();
  const state = section.getByTestId("telemetry-state");
  await expect(state).toContainText(`would go (turned off) to ${new URL(llm).host}`);
  await expect(state).toContainText("x-api-key");
  expect(await page.content()).not.toContain(`otlp-${tag}`);
  expect(await page.content()).not.toContain(`key-${tag}`);
  await section.screenshot({ path: info.outputPath("telemetry.png") });

  await section.getByRole("button", { name: "Stop sending traces" }).click();
  await expect(state).toContainText("No endpoint is set");
});
