import { defineConfig } from "vitest/config";

/**
 * Three projects: pure code in Node, the clients end to end against one shared `wrangler dev`
 * the Worker in workerd. `npm test` runs them all (and the browser suite).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          environment: "node",
          // Property tests and real servers on two busy cores (test/support/poll.ts waits less).
          testTimeout: 15_000,
          include: [
            "core/**/*.test.ts",
            "platform/**/*.test.ts",
            "wasm/**/*.test.ts",
            "cli/**/*.test.ts",
            "test/node/**/*.test.ts",
          ],
        },
      },
      {
        test: {
          name: "server",
          environment: "node",
          // Clients (the CLI, MCP, generated SDKs, Prometheus) against one shared `wrangler dev`.
          testTimeout: 30_000,
          hookTimeout: 120_000,
          include: ["test/server/**/*.test.ts"],
          globalSetup: ["./test/support/server-setup.ts"],
        },
      },
      "./vitest.workerd.config.ts",
    ],
  },
});
