import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type IForbiddenRuleType, type IViolation } from "dependency-cruiser";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { d1CallsOutsideDb } from "../../scripts/d1-access";
import { LAYERED_FOLDERS, ROOT } from "../../scripts/lib";

/** The rules `npm run check` applies (ARCHITECTURE.md, "Layers"). */
const { forbidden, options } = createRequire(import.meta.url)(
  join(ROOT, ".dependency-cruiser.cjs"),
) as {
  forbidden: IForbiddenRuleType[];
  options: { exclude: { path: string }; doNotFollow: { path: string } };
};

async function violations(baseDir: string, folders: string[]): Promise<IViolation[]> {
  const result = await cruise(folders, {
    baseDir,
    validate: true,
    ruleSet: { forbidden },
    tsPreCompilationDeps: true,
    // As `npm run check` cruises: tests (which may import test/support) are not layered.
    exclude: options.exclude,
    doNotFollow: options.doNotFollow,
  });
  if (typeof result.output === "string") throw new Error("expected a cruise result object");
  return result.output.summary.violations;
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway tree with the project's folder names: path → source. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "aob-layers-"));
  made.push(dir);
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  return dir;
}

describe("the layering check", () => {
  // Cruising the whole tree takes ~5 s of CPU, past vitest's 5 s default on a busy machine.
  it("passes on the project as it is", { timeout: 60_000 }, async () => {
    expect(await violations(ROOT, LAYERED_FOLDERS)).toEqual([]);
  });

  it("fails on imports that run the wrong way, naming each", async () => {
    const dir = tree({
      "core/pure.ts": 'import { bind } from "../platform/adapter";\nexport const pure = bind;\n',
      "platform/adapter.ts": "export const bind = 1;\n",
      "durable-objects/run.ts":
        'import { route } from "../workers/api";\nexport const run = route;\n',
      "workers/api.ts":
        'import { run } from "../durable-objects/run";\nexport const route = run;\n',
      "cli/main.ts": 'import { run } from "../durable-objects/run";\nexport const main = run;\n',
      "platform/orm.ts": 'import { drizzle } from "drizzle-orm/d1";\nexport const orm = drizzle;\n',
      "db/orm.ts": 'import { drizzle } from "drizzle-orm/d1";\nexport const orm = drizzle;\n',
    });
    const found = (await violations(dir, ["core", "platform", "durable-objects", "workers", "cli"]))
      .map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)
      .sort();
    expect(found).toEqual([
      "cli-imports-down-only: cli/main.ts → durable-objects/run.ts",
      "core-imports-down-only: core/pure.ts → platform/adapter.ts",
      "d1-only-in-db: platform/orm.ts → drizzle-orm/d1",
      "durable-objects-imports-down-only: durable-objects/run.ts → workers/api.ts",
    ]);
  });
});

describe("core's own compilation (core/tsconfig.json)", () => {
  /** Type errors of one core-like source compiled as core is: `lib: esnext` and core/host.d.ts. */
  function coreErrors(source: string): string[] {
    const dir = tree({ "core/reach.ts": source });
    const parsed = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, "core/tsconfig.json"),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        },
      },
    );
    if (!parsed) throw new Error("core/tsconfig.json did not parse");
    const program = ts.createProgram(
      [join(dir, "core/reach.ts"), join(ROOT, "core/host.d.ts")],
      parsed.options,
    );
    return ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n").replace(/\.\s.*$/, "."));
  }

  it("refuses a Workers binding, the DOM and Node in core", () => {
    const errors = coreErrors(
      [
        "export const a = (env: Env) => env.DB;",
        "export const b = () => document.title;",
        "export const c = () => process.env.HOME;",
        'export const d = (ns: DurableObjectNamespace) => ns.idFromName("x");',
      ].join("\n"),
    );
    expect(errors).toEqual([
      "Cannot find name 'Env'.",
      "Cannot find name 'document'.",
      "Cannot find name 'process'.",
      "Cannot find name 'DurableObjectNamespace'.",
    ]);
  });

  it("accepts the web-standard API core declares it takes from its host", () => {
    const errors = coreErrors(
      [
        'export const a = new URL("https://example.com/x").hostname;',
        'export const b = new Headers({ a: "1" }).get("a");',
        'export const c = () => crypto.subtle.digest("SHA-256", new TextEncoder().encode("x"));',
      ].join("\n"),
    );
    expect(errors).toEqual([]);
  });
});

describe("D1 behind db/", () => {
  it("is reached nowhere else in the project", () => {
    expect(d1CallsOutsideDb(ROOT, LAYERED_FOLDERS)).toEqual([]);
  });

  it("names each statement or query client made outside db/", () => {
    const dir = tree({
      "workers/route.ts":
        'export const list = (db: D1Database) =>\n  db.prepare("SELECT 1").all();\n',
      "platform/cache.ts":
        'import { drizzle } from "drizzle-orm/d1";\nexport const orm = (db: D1Database) => drizzle(db);\n',
      "db/table.ts": 'export const one = (db: D1Database) => db.prepare("SELECT 1").first();\n',
      "core/text.ts":
        '// db.prepare("x") in a comment and "drizzle(" in a string do not count\nexport const s = "drizzle(";\n',
    });
    expect(d1CallsOutsideDb(dir, ["core", "db", "platform", "workers"])).toEqual([
      "platform/cache.ts:2",
      "workers/route.ts:2",
    ]);
  });
});
