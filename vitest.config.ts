import { configDefaults, defineConfig } from "vitest/config";

/** Node end-to-end files that share one `wrangler dev` (test/support/dev-global.ts). */
const ON_THE_DEV_SERVER = ["test/node/cli.test.ts", "test/node/prometheus.test.ts"];

/**
 * Three projects: pure code in Node, the Node end-to-end files that share one `wrangler dev`,
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
          exclude: [...configDefaults.exclude, ...ON_THE_DEV_SERVER],
        },
      },
      {
        test: {
          name: "dev-server",
          environment: "node",
          testTimeout: 15_000,
          include: ON_THE_DEV_SERVER,
          globalSetup: ["./test/support/dev-global.ts"],
        },
      },
      "./vitest.workerd.config.ts",
    ],
  },
});
