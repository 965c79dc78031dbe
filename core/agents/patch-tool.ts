import { PATCH_EXAMPLE, Patch } from "../patches/ops";
import { formatPath } from "../workflow/issues";

export type PatchArgs = { ok: true; patch: Patch } | { ok: false; message: string };

/**
 * The first validation layer: the `patch_workflow` tool's arguments, parsed and checked for
 * shape. A refusal lists each problem with its path and shows a valid patch, so the model can
 * correct itself.
 * @example
 * parsePatchArgs('{"ops":[{"op":"add_node"}]}'); // { ok: false, message: "ops[0].node: ..." }
 */
export function parsePatchArgs(text: string): PatchArgs {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: refusal([`(arguments): not JSON: ${(err as Error).message}`]) };
  }
  const parsed = Patch.safeParse(raw);
  if (parsed.success) return { ok: true, patch: parsed.data };
  return {
    ok: false,
    message: refusal(
      parsed.error.issues.map((i) => `${formatPath(i.path as (string | number)[])}: ${i.message}`),
    ),
  };
}

/** The tool result for a refused patch (any layer): each problem, and a valid example. */
export function refusal(problems: string[]): string {
  return JSON.stringify({
    status: "rejected",
    problems,
    example: PATCH_EXAMPLE,
  });
}
