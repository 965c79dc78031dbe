import { type Command, InvalidArgumentError } from "commander";
import { Context, type GlobalOptions } from "./context";
import type { ExitCode } from "./errors";

/**
 * Adds a leaf command that also accepts the global `--json` and `--config` after its own
 * arguments (the root program parses options positionally, so `run X --version 2` reaches `run`).
 */
export function leaf(parent: Command, nameAndArgs: string, description: string): Command {
  return parent
    .command(nameAndArgs)
    .description(description)
    .option("--json", "print machine-readable JSON only")
    .option("--config <path>", "config file (default ~/.config/aob/config.json)");
}

/**
 * Adapts a typed action to commander's untyped callback. Commander calls it with the positional
 * arguments, then the command's options, then the command; the action returns the exit code.
 */
export function action<A extends unknown[]>(
  fn: (ctx: Context, ...args: A) => Promise<ExitCode | undefined>,
) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args.at(-1) as Command;
    const ctx = new Context(command.optsWithGlobals<GlobalOptions>());
    const code = await fn(ctx, ...(args.slice(0, -1) as A));
    process.exitCode = code ?? 0;
  };
}

/** A parser for integer options within bounds; anything else is a usage error. */
export function integer(min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return n;
  };
}
