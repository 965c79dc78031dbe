import { defineConfig } from "@playwright/test";

/**
 * Browser tests of the web UI against a real `wrangler dev` (started by the global setup on a
 * fresh state directory). Debian's Chromium, never a downloaded browser.
 */
export default defineConfig({
  testDir: "test/e2e",
  // Under test-results/ (the CI artefacts) without wiping the other reports there.
  outputDir: "test-results/e2e",
  globalSetup: "./test/e2e/global-setup.ts",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  reporter: "list",
  use: {
    viewport: { width: 1280, height: 800 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
