import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quietNetwork } from "../../scripts/inspector";
import { npx, QUIET_ENV, ROOT, seedSql, waitForHealth } from "../../scripts/lib";
import { runtimeUrl } from "../../scripts/workerd-processes";

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/**
 * A real `wrangler dev` of the project on a fresh persisted state directory, migrated and seeded
 * with its own API key. `stop()` kills it hard (SIGKILL), like a crash; `start()` again resumes
 * on the same state.
 */
export class DevServer {
  readonly key = `aob_test_${randomBytes(12).toString("hex")}`;
  readonly persist: string;
  url = "";
  private child: ChildProcess | null = null;
  private log = "";

  private readonly vars: Record<string, string>;

  constructor(vars: Record<string, string> = {}) {
    this.persist = mkdtempSync(join(tmpdir(), "aob-dev-"));
    // Secrets are encrypted under this key; a clone without .dev.vars has none. Kept per
    // server, so a restart on the same state still reads what was stored.
    this.vars = { AOB_SECRETS_KEY: randomBytes(32).toString("base64"), ...vars };
  }

  /** Applies migrations and seeds the key (once per state directory). */
  prepare(): void {
    npx(["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", this.persist], {
      quiet: true,
    });
    mkdirSync(this.persist, { recursive: true });
    const seed = join(this.persist, "seed.sql");
    writeFileSync(seed, seedSql(this.key));
    npx(
      ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", this.persist, "--file", seed],
      { quiet: true },
    );
  }

  async start(): Promise<void> {
    const port = await freePort();
    const inspector = await freePort();
    const args = [
      "wrangler",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspector),
    ];
    args.push("--persist-to", this.persist, "--show-interactive-dev-session=false");
    for (const [k, v] of Object.entries(this.vars)) args.push("--var", `${k}:${v}`);
    this.child = spawn("npx", args, {
      cwd: ROOT,
      env: QUIET_ENV,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    this.child.stdout?.on("data", (d: Buffer) => {
      this.log += d;
    });
    this.child.stderr?.on("data", (d: Buffer) => {
      this.log += d;
    });
    this.url = `http://127.0.0.1:${port}`;
    try {
      await waitForHealth(this.url, 60_000);
    } catch (err) {
      throw new Error(`${String(err)}\n--- wrangler output ---\n${this.log.slice(-3000)}`);
    }
    // As npm start does: no copy of every fetched body in the inspector's events.
    await quietNetwork(inspector);
    // Past wrangler's proxy, to the runtime itself: the proxy can answer a POST with 503 when it
    // reuses a connection the runtime closed as idle (README, "Known limits of local
    // development"). Off Linux (no /proc to find the runtime's port) the proxy's stays.
    this.url = (await runtimeUrl(this.child.pid)) ?? this.url;
  }

  /** Kills wrangler and workerd at once (the whole process group), like a crash. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    this.child = null;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await exited;
  }

  api<T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    return apiCall<T>(this.url, this.key, method, path, body);
  }

  output(): string {
    return this.log;
  }
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/** One API request to the server at `url` with `key`, its answer parsed. */
export async function apiCall<T>(
  url: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
