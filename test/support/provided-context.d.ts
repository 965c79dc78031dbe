declare module "vitest" {
  interface ProvidedContext {
    /** Base URL of the fixture HTTP server started by test/support/http-fixture.ts. */
    fixtureUrl: string;
    /** The same server's routes on a second origin (127.0.0.2), for cross-origin tests. */
    fixtureUrl2: string;
    /** The `server` project's shared `wrangler dev` (test/support/server-setup.ts). */
    devUrl: string;
    /** An admin API key of that server's seeded tenant. */
    devKey: string;
    /** Its scripted chat-completions stub (and notification receiver at `/hook/<name>`). */
    llmUrl: string;
    /** The installable CLI bundle (scripts/build-cli.ts) the server project's tests run. */
    cliBin: string;
  }
}

export {};
