import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve } from "node:path";
import ts from "typescript";

/**
 * Checks of the web app's stylesheets (docs/UI.md, "Styles"): raw colours outside the tokens
 * file, custom properties declared or used outside it, and stylesheets nothing imports.
 */

/** CSS named colours (CSS Color 4) but `transparent` and `currentcolor`, which are not a hue. */
const NAMED_COLOURS = new Set(
  `aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet
  brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson cyan
  darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki darkmagenta
  darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen darkslateblue
  darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue dimgray dimgrey
  dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray
  green greenyellow grey honeydew hotpink indianred indigo ivory khaki lavender lavenderblush
  lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgray
  lightgreen lightgrey lightpink lightsalmon lightseagreen lightskyblue lightslategray
  lightslategrey lightsteelblue lightyellow lime limegreen linen magenta maroon
  mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen mediumslateblue
  mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream mistyrose moccasin
  navajowhite navy oldlace olive olivedrab orange orangered orchid palegoldenrod palegreen
  paleturquoise palevioletred papayawhip peachpuff peru pink plum powderblue purple
  rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna
  silver skyblue slateblue slategray slategrey snow springgreen steelblue tan teal thistle
  tomato turquoise violet wheat white whitesmoke yellow yellowgreen`.split(/\s+/),
);
const HEX = /#[0-9a-f]{3,8}\b/gi;
const COLOUR_FUNCTION = /\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color|color-mix)\s*\(/gi;

/** The raw colours in one CSS value (or an inline style's value): hex, colour functions, names. */
export function coloursInValue(value: string): string[] {
  // Quoted strings (font names, content) and url()s are not colours.
  const bare = value.replace(/"[^"]*"|'[^']*'|url\([^)]*\)/gi, " ");
  const found = [...(bare.match(HEX) ?? []), ...(bare.match(COLOUR_FUNCTION) ?? [])];
  for (const word of bare.match(/-*[a-z][\w-]*/gi) ?? []) {
    if (NAMED_COLOURS.has(word.toLowerCase())) found.push(word);
  }
  return found;
}

export interface Declaration {
  line: number;
  property: string;
  value: string;
}

/** The declarations of a stylesheet (comments and selectors left out), with their lines. */
export function declarations(css: string): Declaration[] {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "));
  const out: Declaration[] = [];
  // A declaration ends at `;` or `}`; `a:hover {` and `@media (x: y) {` end at `{`.
  for (const m of text.matchAll(/([-\w]+)\s*:\s*([^;{}]+)(?=[;}])/g)) {
    const [, property = "", value = ""] = m;
    out.push({
      line: text.slice(0, m.index).split("\n").length,
      property,
      value: value.trim(),
    });
  }
  return out;
}

export interface Finding {
  file: string;
  line: number;
  text: string;
}

/** Raw colours in a stylesheet's declarations. */
export function rawColoursInCss(file: string, css: string): Finding[] {
  return declarations(css).flatMap((d) =>
    coloursInValue(d.value).map((colour) => ({
      file,
      line: d.line,
      text: `${d.property}: ${colour}`,
    })),
  );
}

/** `--name` custom properties a stylesheet declares. */
export function declaredTokens(css: string): string[] {
  return declarations(css)
    .map((d) => d.property)
    .filter((p) => p.startsWith("--"));
}

/** `var(--name)` references in a stylesheet or a source file. */
export function usedTokens(text: string): string[] {
  return [...text.matchAll(/var\(\s*(--[\w-]+)/g)].map((m) => m[1] ?? "");
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

/** Names of props and style keys that take a colour: `nodeColor`, `stroke`, `background`... */
const COLOUR_KEY = /colou?r|fill|stroke|background|border|outline|shadow/i;

/** The name of the JSX attribute or object property a node is the value of, if any. */
function keyOf(node: ts.Node, source: ts.SourceFile): string | undefined {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.isJsxAttribute(at) || ts.isPropertyAssignment(at)) return at.name.getText(source);
    if (ts.isJsxElement(at) || ts.isJsxSelfClosingElement(at) || ts.isBlock(at)) return undefined;
  }
  return undefined;
}

/**
 * Raw colours in a TypeScript or TSX source: any colour in a JSX `style={...}`, a colour given
 * to a prop or key that takes one (`nodeColor="#abc"`, `{ stroke: "red" }`), and any string that
 * is a colour function on its own (`"rgb(1, 2, 3)"`). A string like `"#add"` elsewhere is a
 * URL fragment, not a colour.
 */
export function rawColoursInSource(file: string, text: string): Finding[] {
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found: Finding[] = [];
  const visit = (node: ts.Node, inStyle: boolean): void => {
    const style = inStyle || (ts.isJsxAttribute(node) && node.name.getText(source) === "style");
    if (
      ts.isStringLiteralLike(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      const value = node.text;
      const colours =
        style || COLOUR_KEY.test(keyOf(node, source) ?? "")
          ? coloursInValue(value)
          : /^\s*(rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(.*\)\s*$/i.test(value)
            ? [value.trim()]
            : [];
      for (const colour of colours) found.push({ file, line: lineOf(source, node), text: colour });
    }
    ts.forEachChild(node, (child) => visit(child, style));
  };
  visit(source, false);
  return found;
}

/** Every file under `dir` whose name ends with one of `extensions`. */
export function filesUnder(dir: string, extensions: string[]): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, extensions));
    else if (extensions.includes(extname(name))) out.push(path);
  }
  return out.sort();
}

const RESOLVE = ["", ".ts", ".tsx", "/index.ts", "/index.tsx"];

/**
 * The stylesheets under `root` that no module reached from `entry` imports (relative imports
 * of TypeScript sources, side-effect and dynamic imports included, and CSS `@import`s).
 */
export function unimportedStylesheets(root: string, entry: string): string[] {
  const reached = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop() ?? "";
    if (reached.has(file)) continue;
    reached.add(file);
    const text = readFileSync(file, "utf8");
    const specifiers = file.endsWith(".css")
      ? [...text.matchAll(/@import\s+(?:url\()?["']?([^"')\s;]+)/g)].map((m) => m[1] ?? "")
      : ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    for (const specifier of specifiers) {
      if (!specifier.startsWith(".")) continue;
      const base = resolve(dirname(file), specifier);
      const target = RESOLVE.map((suffix) => base + suffix).find(
        (p) => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false,
      );
      if (target) queue.push(target);
    }
  }
  return filesUnder(root, [".css"])
    .filter((css) => !reached.has(resolve(css)))
    .map((css) => relative(root, css));
}
