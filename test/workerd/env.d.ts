import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

declare module "vitest" {
  interface ProvidedContext {
    /** Base URL of the fixture HTTP server started by test/support/http-fixture.ts. */
    fixtureUrl: string;
  }
}
