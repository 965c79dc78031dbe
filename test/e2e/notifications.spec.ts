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
