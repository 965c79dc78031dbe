import { expect, test } from "./fixtures";

test("the API reference renders /openapi.json without a key, and loads nothing from elsewhere", async ({
  page,
  baseURL,
}, info) => {
  const elsewhere: string[] = [];
  page.on("request", (req) => {
    if (!req.url().startsWith(baseURL!)) elsewhere.push(req.url());
  });
  await page.goto("/reference");
  await expect(page.getByRole("heading", { name: "API reference" })).toBeVisible();

  const run = page.locator("#get-api-runs-id");
  await expect(run.getByRole("heading", { level: 3 })).toHaveText("GET /api/runs/{id}");
  await expect(run).toContainText("Needs an API key with the read scope");
  await expect(run).toContainText("404");
  const start = page.locator("#post-api-workflows-id-runs");
  await expect(start.locator("h4", { hasText: "Body" })).toBeVisible();
  await expect(start).toContainText("429");
  await expect(page.locator("#get-api-health")).toContainText("No API key needed.");
  await page.screenshot({ path: info.outputPath("reference.png"), fullPage: false });
  await start.screenshot({ path: info.outputPath("operation.png") });

  // The filter narrows the list to what matches every word.
  const count = (await page.locator("#reference-count").textContent()) ?? "";
  const total = Number(count.split(" ")[0]);
  expect(total).toBeGreaterThan(25);
  await page.getByLabel("Filter operations").fill("approve");
  await expect(page.locator("#reference-count")).toHaveText("1 operation");
  await expect(page.locator("#post-api-runs-id-approvals-nodeid")).toBeVisible();
  await expect(run).toHaveCount(0);
  await page.getByLabel("Filter operations").fill("");

  // A component name links to its definition.
  await run.getByRole("link", { name: "RunView" }).click();
  await expect(page).toHaveURL(/#schema-RunView$/);
  const view = page.locator("#schema-RunView");
  await expect(view).toBeInViewport();
  await expect(view).toContainText("lastSeq");
  await expect(view.getByRole("link", { name: "RunNode" }).first()).toBeVisible();

  await page.getByRole("link", { name: "Sign in" }).click();
  await expect(page.getByLabel("API key")).toBeVisible();
  expect(elsewhere).toEqual([]);
});

test("signed in, the navigation bar leads to the reference", async ({ signedIn: page }) => {
  await page.goto("/workflows");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API" }).click();
  await expect(page).toHaveURL(/\/reference$/);
  await expect(page.locator("#post-api-workflows")).toContainText("Create a workflow");
});
