import { readFileSync } from "node:fs";
import { CliError, UsageError } from "./errors";

/** The text of a file, or of stdin for `-`; unreadable is a usage error (exit 2). */
export function readSource(source: string, what: string): string {
  try {
    return readFileSync(source === "-" ? 0 : source, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(err);
    throw new UsageError(
      `cannot read ${what} ${source === "-" ? "from stdin" : source}: ${reason}`,
    );
  }
}

function jsonError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A JSON value given on the command line: literal JSON, `@file` for a file's contents, or `-`
 * for stdin. Anything unreadable or not JSON is a usage error (exit 2).
 * @example
 * parseJsonOption('{"name":"Ada"}', "--input") // { name: "Ada" }
 */
export function parseJsonOption(spec: string, option: string): unknown {
  const text =
    spec === "-" || spec.startsWith("@")
      ? readSource(spec === "-" ? "-" : spec.slice(1), option)
      : spec;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${option} is not valid JSON: ${jsonError(err)}`);
  }
}

/** A workflow definition file (`-` for stdin). Bad JSON inside is an error in the file (exit 1). */
export function readJsonFile(path: string): unknown {
  const text = readSource(path, "workflow file");
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${path}: not valid JSON: ${jsonError(err)}`, 1, "invalid_json");
  }
}
