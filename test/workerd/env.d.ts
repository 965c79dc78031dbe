declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
declare module "vitest" {
  interface ProvidedContext {
    /** Base URL of the fixture HTTP server started by test/support/http-fixture.ts. */
    fixtureUrl: string;
  }
}
