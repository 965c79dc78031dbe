/**
 * The allowed import directions between the project's layers (ARCHITECTURE.md, "Layers"),
 * checked by `npm run check`. A folder imports only the ones beneath it:
 *
 *   web/, cli/          → workers/api (types only: the API's AppType and schemas), core/
 *   workers/            → durable-objects/, platform/, db/, core/, wasm/
 *   durable-objects/    → platform/, db/, core/, wasm/
 *   platform/           → db/, core/, wasm/   (adapters to the bindings, shared by the Worker and the object)
 *   db/                 → core/
 *   wasm/               → core/
 *   core/               → nothing of the project: pure TypeScript
 */
const layer = (from, allowed) => ({
  name: `${from}-imports-down-only`,
  comment: `${from}/ may import only ${allowed.length ? allowed.join(", ") : "itself"} of the project's folders`,
  severity: "error",
  from: { path: `^${from}/` },
  to: {
    path: "^(core|db|platform|durable-objects|workers|wasm|web|cli|bench|scripts|test)/",
    pathNot: [`^${from}/`, ...allowed.map((a) => `^${a}/`)],
  },
});

module.exports = {
  forbidden: [
    layer("core", []),
    layer("db", ["core"]),
    layer("wasm", ["core"]),
    layer("platform", ["db", "core", "wasm"]),
    layer("durable-objects", ["platform", "db", "core", "wasm"]),
    layer("workers", ["durable-objects", "platform", "db", "core", "wasm"]),
    layer("cli", ["workers/api", "core"]),
    layer("web", ["workers/api", "core"]),
    {
      name: "d1-only-in-db",
      comment:
        "drizzle-orm is how D1 is queried: only db/ imports it (the rest call db/'s functions)",
      severity: "error",
      from: { pathNot: "^db/" },
      to: { path: "(^|/)drizzle-orm(/|$)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // node_modules stays in (never followed), so the drizzle-orm rule sees imports of it.
    // cli/dist is the CLI's bundle (scripts/build-cli.ts), built from the sources checked here.
    exclude: { path: "\\.test\\.tsx?$|\\.spec\\.ts$|^cli/dist/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js", ".mjs", ".json"] },
  },
};
