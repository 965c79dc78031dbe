import { expect, node, test } from "./fixtures";

test("add, delete, undo and redo by keyboard; auto-layout; a switch gets a handle per case", async ({
  signedIn: page,
}, info) => {
  await page.goto("/workflows/new");
  const palette = page.locator(".palette");
  await palette.locator('[data-kind="start"]').focus();
  await page.keyboard.press("Enter");
  await palette.locator('[data-kind="switch"]').focus();
  await page.keyboard.press("Enter");
  await expect(node(page, "switch")).toBeVisible();

  // The switch's config form: each case becomes a port with its own handle, plus default.
  await page.locator("#cfg-switch-cases").fill("small\nlarge");
  for (const port of ["small", "large", "default", "error"]) {
    await expect(node(page, "switch").locator(`[data-port="${port}"]`)).toBeVisible();
  }

  // Connect without a pointer: the inspector's connection row.
  await node(page, "start").click();
  await page.getByLabel("Target node").selectOption("switch");
  await page.getByRole("button", { name: "Connect" }).click();
  await expect(page.locator(".react-flow__edge")).toHaveCount(1);

  await page.getByRole("button", { name: "Auto-layout" }).click();
  const start = await node(page, "start").boundingBox();
  const sw = await node(page, "switch").boundingBox();
  expect(start && sw && sw.x > start.x + start.width).toBe(true);

  await node(page, "switch").click();
  await page.keyboard.press("Delete");
  await expect(node(page, "switch")).toHaveCount(0);
  await expect(page.locator(".react-flow__edge")).toHaveCount(0);
  await page.keyboard.press("Control+z");
  await expect(node(page, "switch")).toBeVisible();
  await expect(page.locator(".react-flow__edge")).toHaveCount(1);
  await page.keyboard.press("Control+Shift+z");
  await expect(node(page, "switch")).toHaveCount(0);
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(node(page, "switch")).toBeVisible();
  await page.screenshot({ path: info.outputPath("keyboard.png") });
});
