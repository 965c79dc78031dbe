/**
 * Where code reaches D1 itself: a `.prepare(` call (D1's statement API) or a `drizzle(` call
 * (building a query client). ARCHITECTURE.md: all D1 access is behind `db/`, so outside it
 * there must be none. Read with the TypeScript parser, so strings and comments do not count.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/** Whether a node is a call that reaches D1 (`x.prepare(...)` or `drizzle(...)`). */
export function isD1Call(node: ts.Node): boolean {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  return (
    (ts.isPropertyAccessExpression(callee) && callee.name.text === "prepare") ||
    (ts.isIdentifier(callee) && callee.text === "drizzle")
  );
}

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "build" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.tsx?$/.test(name) && !/\.(test|spec)\.tsx?$/.test(name) && !name.endsWith(".d.ts"))
      yield path;
  }
}

/** Every D1 call outside `db/` under the given folders of `root`, as `path:line`. */
export function d1CallsOutsideDb(root: string, folders: string[]): string[] {
  const found: string[] = [];
  for (const folder of folders) {
    const abs = join(root, folder);
    if (!statSync(abs, { throwIfNoEntry: false })) continue;
    for (const path of sources(abs)) {
      const rel = relative(root, path);
      if (rel.startsWith("db/")) continue;
      const file = ts.createSourceFile(
        path,
        readFileSync(path, "utf8"),
        ts.ScriptTarget.Latest,
        true,
      );
      const visit = (node: ts.Node): void => {
        if (isD1Call(node)) {
          const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
          found.push(`${rel}:${line + 1}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
    }
  }
  return found.sort();
}
