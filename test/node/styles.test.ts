import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib";
import {
  declaredTokens,
  filesUnder,
  rawColoursInCss,
  rawColoursInSource,
  unimportedStylesheets,
  usedTokens,
} from "../support/styles";

const WEB = join(ROOT, "web", "src");
const TOKENS = join(WEB, "ui", "tokens.css");
const stylesheets = filesUnder(WEB, [".css"]);
const sources = filesUnder(WEB, [".ts", ".tsx"]);
const read = (file: string) => readFileSync(file, "utf8");
const name = (file: string) => relative(ROOT, file);

describe("the web app's stylesheets", () => {
  it("hold no raw colour outside ui/tokens.css", () => {
    const found = stylesheets
      .filter((file) => file !== TOKENS)
      .flatMap((file) => rawColoursInCss(name(file), read(file)));
    expect(found).toEqual([]);
  });

  it("hold no raw colour in a TSX inline style or a colour string in the code", () => {
    const found = sources.flatMap((file) => rawColoursInSource(name(file), read(file)));
    expect(found).toEqual([]);
  });

  it("declare custom properties only in ui/tokens.css, and use only the ones it declares", () => {
    const declared = new Set(declaredTokens(read(TOKENS)));
    expect(declared.size).toBeGreaterThan(20);
    const elsewhere = stylesheets
      .filter((file) => file !== TOKENS)
      .flatMap((file) => declaredTokens(read(file)).map((token) => `${name(file)}: ${token}`));
    expect(elsewhere).toEqual([]);
    const unknown = [...stylesheets, ...sources].flatMap((file) =>
      usedTokens(read(file))
        .filter((token) => !declared.has(token))
        .map((token) => `${name(file)}: ${token}`),
    );
    expect(unknown).toEqual([]);
  });

  it("are each imported by a module the app reaches from main.tsx", () => {
    expect(stylesheets.length).toBeGreaterThan(10);
    expect(unimportedStylesheets(WEB, join(WEB, "main.tsx"))).toEqual([]);
  });
});

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway tree: path → content. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "aob-styles-"));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe("the checks catch what they are for", () => {
  it("finds hex, colour functions and named colours in declarations, not in comments, selectors or property names", () => {
    const css = `/* #fff is fine in a comment */
#main a:hover,
.x { color: #2457d6; white-space: nowrap; }
.y {
  background: rgba(0, 0, 0, 0.2);
  border: 1px solid White;
  font-family: "Segoe UI", sans-serif;
  color: var(--text);
  outline-color: currentColor;
  border-color: transparent;
}
@media (prefers-reduced-motion: reduce) { .z { box-shadow: 0 0 0 2px hsl(0 0% 0%) } }`;
    expect(rawColoursInCss("a.css", css)).toEqual([
      { file: "a.css", line: 3, text: "color: #2457d6" },
      { file: "a.css", line: 5, text: "background: rgba(" },
      { file: "a.css", line: 6, text: "border: White" },
      { file: "a.css", line: 12, text: "box-shadow: hsl(" },
    ]);
  });

  it("finds a raw colour in a TSX inline style, in a colour prop or key, and a colour function string", () => {
    const tsx = `export const A = () => (
  <div style={{ color: "#c2362b", background: "var(--panel)", borderColor: \`\${1}px red\` }}>
    <MiniMap nodeColor="#abc" maskColor={mask} />
    <a href="#add">not a colour</a>
  </div>
);
const mask = "rgb(1, 2, 3)";
const edge = { style: { stroke: "black" }, label: "#bad" };`;
    expect(rawColoursInSource("a.tsx", tsx)).toEqual([
      { file: "a.tsx", line: 2, text: "#c2362b" },
      { file: "a.tsx", line: 2, text: "red" },
      { file: "a.tsx", line: 3, text: "#abc" },
      { file: "a.tsx", line: 7, text: "rgb(1, 2, 3)" },
      { file: "a.tsx", line: 8, text: "black" },
    ]);
  });

  it("reports a stylesheet nothing imports, and one only a dead module imports", () => {
    const root = tree({
      "main.tsx": 'import "./base.css";\nimport { App } from "./App";\n',
      "App.tsx": 'import { x } from "./feature";\nimport "./app.css";\nexport const App = x;\n',
      "feature/index.ts": 'export const x = 1;\nimport("./lazy").then(() => {});\n',
      "feature/lazy.tsx": 'import "./lazy.css";\n',
      "base.css": '@import "./fonts.css";\n',
      "fonts.css": "",
      "app.css": "",
      "feature/lazy.css": "",
      "dead/Dead.tsx": 'import "./dead.css";\n',
      "dead/dead.css": "",
      "orphan.css": "",
    });
    expect(unimportedStylesheets(root, join(root, "main.tsx"))).toEqual([
      join("dead", "dead.css"),
      "orphan.css",
    ]);
  });
});
