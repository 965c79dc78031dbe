import { kindOf, SUCCESS_PORT } from "../../../core/kinds";
import { ERROR_PORT } from "../../../core/workflow/definition";

export { ERROR_PORT, SUCCESS_PORT };

/**
 * The outcome ports of a node, from the kind registry the engine uses (condition: true/false,
 * switch: its cases and default, approval: approved/rejected/timeout, others: one success
 * port). The `error` port every node has is not included. Tolerates a config being edited:
 * a switch without cases yet has only `default`.
 * @example
 * portsOf("condition", {}) // ["true", "false"]
 */
export function portsOf(type: string, config: Record<string, unknown>): string[] {
  const kind = kindOf(type);
  if (!kind) return [SUCCESS_PORT];
  if (type === "switch") {
    const cases = Array.isArray(config.cases)
      ? config.cases.filter((c): c is string => typeof c === "string" && c !== "")
      : [];
    return [...new Set([...cases, "default"])];
  }
  try {
    return [...kind.ports(config)];
  } catch {
    // A config mid-edit that the kind's ports() cannot read: one success port until it can.
    return [SUCCESS_PORT];
  }
}

/** Whether edges leaving this node name their port (`on`): kinds with more than one port. */
export function needsPortName(type: string, config: Record<string, unknown>): boolean {
  const ports = portsOf(type, config);
  return ports.length > 1 || ports[0] !== SUCCESS_PORT;
}
