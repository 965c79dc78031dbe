import { call } from "../client";
import type { Context } from "../context";
import { CliError } from "../errors";

/**
 * A workflow given by id or by name: an id in the list wins, then a unique name. Anything else
 * is passed on as an id, so the API answers "workflow X not found".
 */
export async function resolveWorkflow(ctx: Context, ref: string): Promise<string> {
  const { workflows } = await call(ctx.api.workflows.$get({ query: { limit: "500" } }));
  if (workflows.some((w) => w.id === ref)) return ref;
  const named = workflows.filter((w) => w.name === ref);
  if (named.length > 1) {
    throw new CliError(
      `${named.length} workflows are named "${ref}" (${named.map((w) => w.id).join(", ")}): give its id`,
      1,
      "ambiguous",
    );
  }
  return named[0]?.id ?? ref;
}
