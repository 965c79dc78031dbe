import { hostAllowed, readAllowedHosts } from "../../../core/secrets/hosts";
import { newSecretNonce, protectSecretRefs } from "../../../core/secrets/refs";
import { findSealedSecrets } from "../../../db/secrets";

/** A secret reference in a header that cannot be sent: at `["headers", name]`. */
export interface HeaderSecretProblem {
  path: (string | number)[];
  code: "secret_not_found" | "secret_host_not_allowed";
  message: string;
}

/**
 * Checks, before headers are saved for an outgoing connection (an MCP server, the OTLP
 * exporter), that every `{{ secrets.NAME }}` they reference is a secret of the tenant and may be
 * sent to `hostname` (its `allowedHosts`): a problem at the header's path for each that is not.
 * Values are never read: only the sealed rows' names and hosts.
 */
export async function headerSecretProblems(
  db: D1Database,
  tenantId: string,
  headers: Record<string, string>,
  hostname: string,
): Promise<HeaderSecretProblem[]> {
  const refs = protectSecretRefs(headers, newSecretNonce()).plan.fields.flatMap((f) =>
    f.names.map((name) => ({ name, path: ["headers", ...f.path] })),
  );
  if (refs.length === 0) return [];
  const rows = await findSealedSecrets(db, tenantId, [...new Set(refs.map((r) => r.name))]);
  const hostsOf = new Map(rows.map((r) => [r.name, readAllowedHosts(r.allowedHosts)]));
  return refs.flatMap(({ name, path }): HeaderSecretProblem[] => {
    if (!hostsOf.has(name)) {
      return [
        {
          path,
          code: "secret_not_found",
          message: `secret "${name}" is not set for this tenant (PUT /api/secrets/${name} first)`,
        },
      ];
    }
    const hosts = hostsOf.get(name);
    if (hosts && !hostAllowed(hosts, hostname)) {
      return [
        {
          path,
          code: "secret_host_not_allowed",
          message: `secret "${name}" may be sent only to ${hosts.join(", ")}, not to ${hostname}: add the host to the secret's allowedHosts`,
        },
      ];
    }
    return [];
  });
}
