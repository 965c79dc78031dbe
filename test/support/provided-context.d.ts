declare module "vitest" {
  interface ProvidedContext {
    /** Base URL of the fixture HTTP server started by test/support/http-fixture.ts. */
    fixtureUrl: string;
    /** The same server's routes on a second origin (127.0.0.2), for cross-origin tests. */
    fixtureUrl2: string;
    /** The `dev-server` project's shared `wrangler dev` (test/support/dev-global.ts): its URL and key. */
    devUrl: string;
    devKey: string;
    /** Its scripted chat-completions stand-in (test/support/llm-stub.ts). */
    llmUrl: string;
  }
}

export {};
