/**
 * Builds the installable CLI (docs/CLI.md, "Install the CLI"): `cli/dist/aob.mjs`, one ES module
 * holding the CLI, the parts of core/ it uses and its dependencies (commander, zod, hono's
 * client, ws), so the package has no dependencies and needs no TypeScript at run time. The
 * licences of the bundled packages go beside it. `npm pack` in cli/ runs this first (prepack).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { ROOT } from "./lib";

const CLI = join(ROOT, "cli");
const DIST = join(CLI, "dist");

/** The packages a bundle holds, from esbuild's metafile: their folders under node_modules. */
function bundledPackages(inputs: string[]): string[] {
  const folders = new Set<string>();
  for (const input of inputs) {
    const match = input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
    if (match?.[1]) folders.add(match[1]);
  }
  return [...folders].sort();
}

/** Each bundled package's name, version and licence text, as MIT and the like ask of a copy. */
function notices(folders: string[]): string {
  return folders
    .map((folder) => {
      const pkg = JSON.parse(readFileSync(join(ROOT, folder, "package.json"), "utf8")) as {
        name: string;
        version: string;
        license?: string;
      };
      const dir = join(ROOT, folder);
      const file = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license", "LICENCE"]
        .map((name) => join(dir, name))
        .find((path) => {
          try {
            readFileSync(path);
            return true;
          } catch {
            return false;
          }
        });
      const text = file
        ? readFileSync(file, "utf8").trim()
        : `License: ${pkg.license ?? "see the package"}`;
      return `${pkg.name}@${pkg.version}\n\n${text}\n`;
    })
    .join(`\n${"-".repeat(72)}\n\n`);
}

/** Builds cli/dist (or `dist`, for the tests' own copy); returns the bundle's path. */
export async function buildCli(dist = DIST): Promise<string> {
  rmSync(dist, { recursive: true, force: true });
  const outfile = join(dist, "aob.mjs");
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(CLI, "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
    // ws loads these native speed-ups when installed and works without them.
    external: ["bufferutil", "utf-8-validate"],
    banner: {
      // The CommonJS packages inside (ws, commander) call require() for Node's modules.
      js: [
        "#!/usr/bin/env node",
        'import { createRequire as __aobRequire } from "node:module";',
        "const require = __aobRequire(import.meta.url);",
      ].join("\n"),
    },
  });
  const inputs = Object.keys(result.metafile.inputs);
  const project = inputs.filter((i) => !i.includes("node_modules/"));
  // The CLI reaches the Worker only through HTTP: no file of workers/ may be inside.
  const server = project.filter((i) => !/^(cli|core)\//.test(i));
  if (server.length > 0) throw new Error(`the CLI bundle holds server code: ${server.join(", ")}`);
  writeFileSync(join(dist, "THIRD-PARTY-LICENSES.txt"), notices(bundledPackages(inputs)));
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const outfile = await buildCli();
  // stderr: `npm pack --json` prints its answer on stdout, with this script run inside it.
  console.error(`built ${relative(process.cwd(), outfile) || outfile} (${dirname(outfile)})`);
}
