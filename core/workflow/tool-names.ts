/**
 * Tool names for workflows exposed as MCP tools (docs/MCP.md). MCP allows 1-128 characters of
 * `A-Za-z0-9_-.`; model APIs are stricter (OpenAI: `^[a-zA-Z0-9_-]{1,64}$`), so a name here is
 * lower-case letters, digits and `_`, at most 64 characters: usable everywhere.
 */

/** The longest tool name given. */
export const MAX_TOOL_NAME = 64;

/** What every tool name given here matches. */
export const TOOL_NAME = /^[a-z0-9_]{1,64}$/;

/** Lower case, accents dropped, every run of other characters one `_`, no `_` at either end. */
function slug(text: string, max: number): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, max)
    .replace(/^_+|_+$/g, "");
}

/**
 * The tool name a workflow's name gives when nothing else claims it: `"Summarise ticket!"` →
 * `summarise_ticket`; `workflow` when nothing of the name is left.
 * @example
 * baseToolName("Café: summarise"); // "cafe_summarise"
 */
export function baseToolName(workflowName: string): string {
  return slug(workflowName, MAX_TOOL_NAME) || "workflow";
}

/** `base_suffix`, the base cut so the whole fits in MAX_TOOL_NAME. */
function suffixed(base: string, suffix: string): string {
  const room = MAX_TOOL_NAME - suffix.length - 1;
  return `${base.slice(0, room).replace(/_+$/, "") || "workflow"}_${suffix}`;
}

/**
 * A collision-free tool name for each workflow, in the order given (the first to claim a name
 * keeps it, so give the oldest first): its base name, else that name with the end of its id,
 * else with its whole id (then a counter). `reserved` names (the server's own tools) are never
 * given.
 * @example
 * toolNames([{ id: "wf_a1", name: "Triage" }, { id: "wf_b2", name: "triage" }], new Set());
 * // Map { "wf_a1" => "triage", "wf_b2" => "triage_wf_b2" }
 */
export function toolNames(
  workflows: readonly { id: string; name: string }[],
  reserved: ReadonlySet<string>,
): Map<string, string> {
  const taken = new Set(reserved);
  const names = new Map<string, string>();
  for (const { id, name } of workflows) {
    const base = baseToolName(name);
    const idSlug = slug(id, MAX_TOOL_NAME - 2) || "x";
    const candidates = [base, suffixed(base, idSlug.slice(-8)), suffixed(base, idSlug)];
    let chosen = candidates.find((c) => !taken.has(c));
    for (let n = 2; chosen === undefined; n++) {
      const c = suffixed(base, `${idSlug.slice(-8)}_${n}`);
      if (!taken.has(c)) chosen = c;
    }
    taken.add(chosen);
    names.set(id, chosen);
  }
  return names;
}
