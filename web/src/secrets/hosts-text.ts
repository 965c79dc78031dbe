import { AllowedHosts } from "../../../core/secrets/hosts";

/** What the page says of a secret without hosts: it is not bound to any. */
export const UNBOUND_TEXT = "unbound: may be sent to any host";

/**
 * The entries of the hosts field: one per line, commas work too; blank lines dropped.
 * @example
 * splitHostsText("api.stripe.com\n*.stripe.com, hooks.example.com\n")
 * // ["api.stripe.com", "*.stripe.com", "hooks.example.com"]
 */
export function splitHostsText(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((h) => h.trim())
    .filter((h) => h !== "");
}

/** A binding in the hosts field: one host per line. */
export function hostsText(allowedHosts: readonly string[] | null): string {
  return (allowedHosts ?? []).join("\n");
}

/** The hosts of a list row, or the unbound warning. */
export function bindingLabel(allowedHosts: readonly string[] | null): string {
  return allowedHosts === null ? UNBOUND_TEXT : allowedHosts.join(", ");
}

export type HostsCheck =
  | { ok: true; hosts: string[] }
  | { ok: false; problems: { entry: string; message: string }[] };

/**
 * Checks the field the way the API will (the same schema, `core/secrets/hosts.ts`), so each
 * bad entry is named before anything is sent. An empty field is "no hosts": the caller
 * decides whether that keeps the binding (setting a value) or is a mistake (editing hosts).
 * @example
 * checkHostsText("https://api.stripe.com")
 * // { ok: false, problems: [{ entry: "https://api.stripe.com", message: "… is a URL …" }] }
 */
export function checkHostsText(text: string): HostsCheck {
  const entries = splitHostsText(text);
  const parsed = AllowedHosts.safeParse(entries);
  if (parsed.success) return { ok: true, hosts: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const index = issue.path[0];
      return {
        entry: typeof index === "number" ? (entries[index] ?? "") : "",
        message: issue.message,
      };
    }),
  };
}
