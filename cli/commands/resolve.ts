import { call } from "../client";
import type { Context } from "../context";
import { CliError } from "../errors";

/**
 * A workflow given by id or by name: the workflows with exactly that name (one indexed query,
 * however many workflows the tenant has); none means it is an id, and the API answers
 * "workflow X not found" if it is not one either.
 */
export async function resolveWorkflow(ctx: Context, ref: string): Promise<string> {
  const named = await workflowsNamed(ctx, ref);
  if (named.length > 1) {
    throw new CliError(
      `${named.length} workflows are named "${ref}" (${named.map((w) => w.id).join(", ")}): give its id`,
      1,
      "ambiguous",
    );
  }
  return named[0]?.id ?? ref;
}

/** The tenant's workflows named exactly `name` (at most a few: only their ids are shown). */
export async function workflowsNamed(ctx: Context, name: string): Promise<{ id: string }[]> {
  const { workflows } = await call(ctx.api.workflows.$get({ query: { name, limit: "20" } }));
  return workflows;
}
