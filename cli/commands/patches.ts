import type { Command } from "commander";
import { action, leaf } from "../command";
import { CliError } from "../errors";

/**
 * `aob patches list RUN`: runtime patches by agents are not built yet (docs/STATUS.md), so the
 * API has no route to list them. The command exists so scripts get a clear answer.
 */
export function registerPatches(program: Command): void {
  const group = program
    .command("patches")
    .description("runtime patches of a run (not available yet)");
  leaf(group, "list <run>", "list the patches proposed to a run (not available yet)").action(
    action(async () => {
      throw new CliError(
        "runtime patches are not available yet: the API has no patch routes (see docs/STATUS.md)",
        1,
        "not_available",
      );
    }),
  );
}
