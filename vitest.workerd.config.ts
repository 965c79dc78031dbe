import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations("./migrations");

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: "./workers/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          // Tests reach their fixture server on loopback only through the allow-list, and only
          // on its port: every other loopback address or port stays refused.
          AOB_HTTP_ALLOWLIST: [inject("fixtureUrl"), inject("fixtureUrl2")]
            .map((u) => new URL(u).host)
            .join(","),
          AOB_API_KEY: "",
          // The engine simulation (test/workerd/sim.test.ts; `npm run sim` sets these).
          SIM_SEED: process.env.SIM_SEED ?? "",
          SIM_CASES: process.env.SIM_CASES ?? "",
          SIM_FIRST: process.env.SIM_FIRST ?? "",
          SIM_MINUTES: process.env.SIM_MINUTES ?? "",
          SIM_FAULTS: process.env.SIM_FAULTS ?? "",
          // Agent nodes talk to the scripted chat-completions stub on the fixture server.
          OPENAI_BASE_URL: `${inject("fixtureUrl")}/v1`,
          OPENAI_API_KEY: "sk-test-stub",
          AOB_DEFAULT_MODEL: "stub-default",
          AOB_MODEL_PRICES: JSON.stringify({
            priced: { input: 1, cachedInput: 0.5, output: 2 },
            // stats.test.ts's own, so no other file's script of "priced" is its.
            "stats-priced": { input: 1, cachedInput: 0.5, output: 2 },
          }),
          // The operator's metrics (`GET /api/metrics?scope=all`, stats.test.ts).
          AOB_METRICS_TOKEN: "operator-test-token",
          // Eager dispatch: a consumer invocation runs at most 3 jobs from its run's answers, so
          // chains in these tests take both paths (eager.test.ts counts on 3).
          AOB_EAGER_JOBS: "3",
          AOB_SECRETS_KEY: "dGVzdC1vbmx5LWtleS10ZXN0LW9ubHkta2V5LTMyYnk=",
          // Storage is per test file, so each file gets fresh buckets; rate.test.ts bursts past 200
          // (a map of 50 children, subworkflows.test.ts, and the 100-run files flow-control*.test.ts, fit).
          // An hour-long window: no token refills while a test runs, whatever the machine's speed.
          AOB_RATE_LIMITS: JSON.stringify({
            global: 1000,
            none: 200,
            light: 40,
            heavy: 3,
            windowSeconds: 3600,
          }),
        },
      },
    })),
  ],
  test: {
    name: "workerd",
    // A test's own limit (test/support/poll.ts waits a little less): runs go through real
    // queues and objects, and CI runs the suite on two busy cores.
    testTimeout: 15_000,
    // Each file gets a fresh runtime that loads the Worker's whole module graph, and the pool
    // inlines node_modules, so without this every file of zod, hono, openai, the MCP SDK and
    // OpenTelemetry is a request of its own: ~2.5 s a file on two cores. Pre-bundled, each package
    // is one module. The list is what the Worker and these tests import; a package missing from it
    // still works, only loads file by file.
    deps: {
      optimizer: {
        ssr: {
          enabled: true,
          include: [
            "@hono/zod-openapi",
            "zod",
            "hono",
            "hono/factory",
            "hono/body-limit",
            "hono/http-exception",
            "hono/cookie",
            "drizzle-orm",
            "drizzle-orm/d1",
            "drizzle-orm/sqlite-core",
            "ipaddr.js",
            "@modelcontextprotocol/sdk/types.js",
            "@modelcontextprotocol/sdk/validation/cfworker",
            "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js",
            "@modelcontextprotocol/sdk/server/index.js",
            "@modelcontextprotocol/sdk/client/index.js",
            "@modelcontextprotocol/sdk/client/streamableHttp.js",
            "@cfworker/json-schema",
            "jsonata",
            "croner",
            "safe-regex2",
            "re2js",
            "openai",
            "@opentelemetry/semantic-conventions",
            "@opentelemetry/resources",
            "@opentelemetry/otlp-transformer",
            "@opentelemetry/api",
            "fast-check",
            "@hyperjump/json-schema/openapi-3-1",
          ],
        },
      },
    },
    include: ["test/workerd/**/*.test.ts"],
    setupFiles: ["./test/workerd/setup.ts"],
    globalSetup: ["./test/support/http-fixture.ts"],
  },
});
