/**
 * Structural counts of the tree, for the layering work (ARCHITECTURE.md, "Layers"): type
 * assertions and non-null assertions per folder, SQL prepared outside `db/`, long files, and the
 * import directions between the top-level folders. Read with the TypeScript parser, not regexes.
 *
 *   npm run metrics            # this tree
 *   npm run metrics -- --json  # the same, as JSON
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { isD1Call } from "./d1-access";
import { ROOT } from "./lib";

const FOLDERS = ["core", "db", "platform", "durable-objects", "workers", "cli", "web/src", "wasm"];
const LONG_FILE_LINES = 400;

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "build" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (
      /\.tsx?$/.test(name) &&
      !/\.(test|spec)\.tsx?$/.test(name) &&
      !name.endsWith(".d.ts")
    ) {
      yield path;
    }
  }
}

/** The top-level folder a project path belongs to (`workers/api/x.ts` → `workers`). */
function layerOf(path: string): string {
  const rel = relative(ROOT, path);
  return rel.startsWith("web/") ? "web" : (rel.split("/")[0] ?? rel);
}

interface FileCounts {
  casts: number;
  unknownCasts: number;
  nonNull: number;
  /** `.prepare(` and `drizzle(` calls: each a way to reach D1. */
  prepares: number;
  lines: number;
  imports: string[];
}

function count(path: string): FileCounts {
  const text = readFileSync(path, "utf8");
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const counts: FileCounts = {
    casts: 0,
    unknownCasts: 0,
    nonNull: 0,
    prepares: 0,
    lines: text.split("\n").length,
    imports: [],
  };
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      const type = node.type.getText(file);
      if (type !== "const") counts.casts++;
      if (
        ts.isAsExpression(node) &&
        ts.isAsExpression(node.expression) &&
        node.expression.type.getText(file) === "unknown"
      ) {
        counts.unknownCasts++;
      }
    } else if (ts.isNonNullExpression(node)) {
      counts.nonNull++;
    } else if (isD1Call(node)) {
      counts.prepares++;
    } else if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier
    ) {
      const spec = (node.moduleSpecifier as ts.StringLiteral).text;
      if (spec.startsWith(".")) counts.imports.push(resolve(dirname(path), spec));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return counts;
}

const perFolder = new Map<
  string,
  { casts: number; unknownCasts: number; nonNull: number; files: number }
>();
const preparesOutsideDb: Record<string, number> = {};
const longFiles: Array<{ path: string; lines: number }> = [];
const directions = new Map<string, number>();

for (const folder of FOLDERS) {
  const abs = join(ROOT, folder);
  try {
    statSync(abs);
  } catch {
    continue;
  }
  for (const path of sources(abs)) {
    const rel = relative(ROOT, path);
    const c = count(path);
    const key = rel
      .split("/")
      .slice(0, folder === "web/src" ? 3 : 2)
      .join("/")
      .replace(/\.tsx?$/, "");
    const top = folder === "web/src" ? "web" : folder;
    const agg = perFolder.get(top) ?? { casts: 0, unknownCasts: 0, nonNull: 0, files: 0 };
    agg.casts += c.casts;
    agg.unknownCasts += c.unknownCasts;
    agg.nonNull += c.nonNull;
    agg.files++;
    perFolder.set(top, agg);
    if (c.prepares && !rel.startsWith("db/")) preparesOutsideDb[rel] = c.prepares;
    if (c.lines > LONG_FILE_LINES) longFiles.push({ path: rel, lines: c.lines });
    for (const target of c.imports) {
      const from = layerOf(path);
      const to = layerOf(target);
      if (from !== to)
        directions.set(`${from} → ${to}`, (directions.get(`${from} → ${to}`) ?? 0) + 1);
    }
    void key;
  }
}

const report = {
  perFolder: Object.fromEntries(perFolder),
  preparesOutsideDb,
  preparesOutsideDbTotal: Object.values(preparesOutsideDb).reduce((a, b) => a + b, 0),
  longFiles: longFiles.sort((a, b) => b.lines - a.lines),
  importDirections: Object.fromEntries([...directions].sort()),
};

if (process.argv.includes("--json")) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log("folder            files  `as` casts  `as unknown as`  `!`");
  for (const [folder, c] of perFolder) {
    console.log(
      `${folder.padEnd(18)}${String(c.files).padStart(5)}${String(c.casts).padStart(12)}${String(c.unknownCasts).padStart(17)}${String(c.nonNull).padStart(5)}`,
    );
  }
  console.log(
    `\nD1 reached outside db/ (.prepare( and drizzle( calls): ${report.preparesOutsideDbTotal} in ${Object.keys(preparesOutsideDb).length} files`,
  );
  for (const [path, n] of Object.entries(preparesOutsideDb))
    console.log(`  ${n.toString().padStart(3)}  ${path}`);
  console.log(`\nfiles over ${LONG_FILE_LINES} lines: ${longFiles.length}`);
  for (const f of report.longFiles) console.log(`  ${f.lines.toString().padStart(5)}  ${f.path}`);
  console.log("\nimports between folders:");
  for (const [dir, n] of Object.entries(report.importDirections))
    console.log(`  ${n.toString().padStart(4)}  ${dir}`);
}
