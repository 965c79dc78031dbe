/**
 * Test support for the CLI's end-to-end tests (test/server/*.test.ts): runs the real `aob` bin
 * as a child process, the way a user or a script does.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";

export const ROOT = join(import.meta.dirname, "..", "..");
/** The `aob` the tests run: the installable bundle the `server` project built (test/support/server-setup.ts). */
export const BIN = inject("cliBin");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Extra environment (AOB_URL, AOB_API_KEY); the config home is always a fresh temp dir. */
  env?: Record<string, string>;
  /** Text for stdin; without it stdin is an empty pipe (never a terminal). */
  stdin?: string;
  /** Called with stdout as it grows, for tests that act in the middle of a run. */
  onStdout?: (soFar: string) => void;
}

const configHome = mkdtempSync(join(tmpdir(), "aob-cli-home-"));

/**
 * The environment the CLI runs in: the parent's, with a fresh config home and no credentials
 * (the CLI treats an empty AOB_URL or AOB_API_KEY as unset).
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AOB_URL: "",
    AOB_API_KEY: "",
    XDG_CONFIG_HOME: configHome,
    NO_COLOR: "1",
    ...extra,
  };
}

/** Runs `aob ARGS…` to its end. */
export function aob(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: cliEnv(opts.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      opts.onStdout?.(stdout);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
  });
}

/** Parses every line of an NDJSON stream (`--watch --json`). */
export function jsonLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown);
}
