import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { npx, QUIET_ENV, ROOT, seedSql, waitForHealth } from "../scripts/lib";

export const BENCH_CONFIG = "bench/wrangler.bench.toml";
export const PERSIST_DIR = join(ROOT, ".wrangler", "bench-state");
const BUNDLE_DIR = join(PERSIST_DIR, "bundle");
/** The bench config's assets directory: a copy of web/dist (see bundleWorker). */
const ASSETS_DIR = join(PERSIST_DIR, "assets");

export interface DevServer {
  url: string;
  key: string;
  /** wrangler's process group (wrangler and its workerd), for reading their CPU time. */
  group: number | undefined;
  /** The Worker's inspector port (its isolate's heap: bench/heap.ts). */
  inspector: number;
  /** The last lines wrangler printed (for error reports). */
  output(): string;
  stop(): Promise<void>;
}

/** A port the OS just handed out and released; good enough for a local bench. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/**
 * A fresh local state: D1 migrated, a tenant and a new API key seeded. Returns the key. The web
 * assets are copied into it: wrangler dev watches the assets directory, and a build elsewhere
 * (`npm run check` in another shell) rewriting web/dist would reload the Worker mid-run.
 */
export function prepareState(): string {
  rmSync(PERSIST_DIR, { recursive: true, force: true });
  mkdirSync(PERSIST_DIR, { recursive: true });
  cpSync(join(ROOT, "web", "dist"), ASSETS_DIR, { recursive: true });
  const key = `aob_bench_${randomBytes(24).toString("base64url")}`;
  const local = ["--local", "--persist-to", PERSIST_DIR, "-c", BENCH_CONFIG];
  npx(["wrangler", "d1", "migrations", "apply", "DB", ...local], { quiet: true });
  const seedFile = join(PERSIST_DIR, "seed.sql");
  writeFileSync(seedFile, seedSql(key));
  npx(["wrangler", "d1", "execute", "DB", ...local, "--file", seedFile], { quiet: true });
  return key;
}

/**
 * Bundles bench/worker.ts once (`wrangler deploy --dry-run`). `wrangler dev` then serves that
 * bundle with `--no-bundle`: it has no file watcher to turn off, and a source file saved while
 * the bench runs would otherwise reload the Worker and kill the runs in flight.
 */
export function bundleWorker(): void {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  npx(["wrangler", "deploy", "--dry-run", "--outdir", BUNDLE_DIR, "-c", BENCH_CONFIG], {
    quiet: true,
  });
}

/**
 * Starts `wrangler dev` on the bench config and bundle in its own process group, so that stopping
 * it ends wrangler and its workerd together (by that group's id, nothing else).
 */
export async function startDevServer(key: string, allowlist: string): Promise<DevServer> {
  // A free inspector port too: the default 9229 may belong to an `npm start` already running.
  const [port, inspector] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    join(ROOT, "node_modules", ".bin", "wrangler"),
    [
      "dev",
      join(BUNDLE_DIR, "worker.js"),
      "--no-bundle",
      "-c",
      BENCH_CONFIG,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspector),
      "--persist-to",
      PERSIST_DIR,
      "--var",
      `AOB_HTTP_ALLOWLIST:${allowlist}`,
      // The `-secret` chains resolve a tenant secret.
      "--var",
      `AOB_SECRETS_KEY:${randomBytes(32).toString("base64")}`,
      ...(process.env.BENCH_EAGER_JOBS === undefined
        ? []
        : ["--var", `AOB_EAGER_JOBS:${process.env.BENCH_EAGER_JOBS}`]),
      "--show-interactive-dev-session=false",
      "--log-level",
      process.env.AOB_VERBOSE ? "info" : "warn",
    ],
    { cwd: ROOT, env: QUIET_ENV, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
    if (process.env.AOB_VERBOSE) process.stderr.write(d);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopped = false;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  // Last resort if the bench dies without reaching its `finally` (an uncaught exit path).
  const onExit = () => killGroup("SIGKILL");
  process.once("exit", onExit);
  const server: DevServer = {
    url: `http://127.0.0.1:${port}`,
    key,
    group: child.pid,
    inspector,
    output: () => log,
    async stop() {
      if (stopped) return;
      stopped = true;
      killGroup("SIGTERM");
      const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5000).unref());
      await Promise.race([exited, timeout]);
      // Whatever of the group outlived wrangler (workerd) goes too; ESRCH when nothing is left.
      killGroup("SIGKILL");
      process.removeListener("exit", onExit);
    },
  };
  try {
    await Promise.race([
      waitForHealth(server.url, 60_000),
      exited.then(() => {
        throw new Error(`wrangler dev exited before it was ready:\n${log}`);
      }),
    ]);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
