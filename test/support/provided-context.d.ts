declare module "vitest" {
  interface ProvidedContext {
    /** Base URL of the fixture HTTP server started by test/support/http-fixture.ts. */
    fixtureUrl: string;
  }
}

export {};
