import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations("./migrations");

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./workers/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          // Tests reach their own HTTP servers on loopback only through the allow-list.
          AOB_HTTP_ALLOWLIST: "127.0.0.1",
          AOB_API_KEY: "",
        },
      },
    }),
  ],
  test: {
    name: "workerd",
    include: ["test/workerd/**/*.test.ts"],
    setupFiles: ["./test/workerd/setup.ts"],
    globalSetup: ["./test/support/http-fixture.ts"],
  },
});
