declare module "vitest" {
  interface ProvidedContext {
    /** Base URL of the fixture HTTP server started by test/support/http-fixture.ts. */
    fixtureUrl: string;
    /** The same server's routes on a second origin (127.0.0.2), for cross-origin tests. */
    fixtureUrl2: string;
  }
}

export {};
