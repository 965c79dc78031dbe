import type { ValidationIssue } from "../workflow/issues";
import type { Patch } from "./ops";

/** A template that reads a secret, in any spacing, or the marker the platform swaps for its value. */
const SECRET_USE = /\{\{[^}]*\bsecrets\b|\u27e6secret:/;

/**
 * What an agent may not put in a patch, whatever its validity: a reference to a tenant secret.
 * A node an agent adds or rewrites runs with the tenant's secrets, so a prompt-injected model
 * could otherwise send one to any URL it likes. People (keys with the `run` scope) may.
 * @example
 * checkAgentPatch({ ops: [{ op: "update_node", id: "call", config: { url: "https://x/?k={{ secrets.KEY }}" } }] });
 * // [{ path: ["ops", 0, "config", "url"], code: "secret_reference", ... }]
 */
export function checkAgentPatch(patch: Patch): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === "string") {
      if (SECRET_USE.test(value)) {
        issues.push({
          path,
          code: "secret_reference",
          message: "an agent's patch may not reference secrets; ask a person to add this step",
          severity: "error",
        });
      }
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, [...path, i]);
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  for (const [i, op] of patch.ops.entries()) walk(op, ["ops", i]);
  return issues;
}
