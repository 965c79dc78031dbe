import { defineConfig } from "vitest/config";

/**
 * Three projects: pure code in Node, the clients end to end against one shared `wrangler dev`
 * the Worker in workerd. `npm test` runs them all (and the browser suite).
 */
export default defineConfig({
  test: {
    // Two files at once on CI's two cores (vitest's default there is one). A file mostly waits:
    // on queues, alarms, timers, the fixture server, `wrangler dev`, a runtime starting; one at a
    // time the suite used about one core's time over its whole length.
    maxWorkers: 2,
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
          // One file at a time: they share one `wrangler dev` and read tenant-wide lists (the
          // audit log, the approvals inbox) that another file's runs would change meanwhile.
          maxWorkers: 1,
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
