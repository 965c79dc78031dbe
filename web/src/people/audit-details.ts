/**
 * An audit entry's details in one line, `name: value` pairs in the order the API wrote them:
 * lists joined by commas, other values as JSON, and a `userId` by its user's name when known.
 * @example
 * detailsText({ name: "ci", scopes: ["read", "run"], userId: "usr_1" }, new Map([["usr_1", "Ada"]]))
 * // "name: ci · scopes: read, run · user: Ada (usr_1)"
 */
export function detailsText(
  details: Readonly<Record<string, unknown>>,
  names: ReadonlyMap<string, string> = new Map(),
): string {
  return Object.entries(details)
    .map(([key, value]) => {
      if (key === "userId" && typeof value === "string") {
        const name = names.get(value);
        return `user: ${name ? `${name} (${value})` : value}`;
      }
      return `${key}: ${showValue(value)}`;
    })
    .join(" · ");
}

function showValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(", ");
  return JSON.stringify(value) ?? String(value);
}
