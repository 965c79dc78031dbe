import { protectSecretRefs } from "../secrets/refs";

/** A registration's header: a name, and a value that is text or `{{ secrets.NAME }}` references. */
export interface HeaderProblem {
  path: (string | number)[];
  message: string;
}

/** HTTP's token characters: what a header name may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Headers the MCP transport sets itself, or that describe the connection. */
const RESERVED = new Set([
  "accept",
  "connection",
  "content-length",
  "content-type",
  "host",
  "last-event-id",
  "mcp-protocol-version",
  "mcp-session-id",
  "transfer-encoding",
]);
/** Names that carry credentials: their value must be a secret reference, not the credential. */
const CREDENTIAL =
  /^(authorization|proxy-authorization|cookie)$|api[-_]?key|token|secret|password|auth/i;

/**
 * What is wrong with an MCP server's headers, each with its path: a name that is not an HTTP
 * token or that the transport sets itself, a template that is not a secret reference, and a
 * credential written in plain text (`authorization: Bearer ghp_…`), which would be stored and
 * shown: it must be a tenant secret, written `{{ secrets.NAME }}`.
 * @example
 * mcpHeaderProblems({ authorization: "Bearer ghp_x" });
 * // [{ path: ["headers", "authorization"], message: "authorization carries a credential: ..." }]
 */
export function mcpHeaderProblems(headers: Record<string, string>): HeaderProblem[] {
  const problems: HeaderProblem[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const path = ["headers", name];
    if (!TOKEN.test(name)) {
      problems.push({ path, message: "not a header name (letters, digits and !#$%&'*+.^_`|~-)" });
      continue;
    }
    if (RESERVED.has(name.toLowerCase())) {
      problems.push({ path, message: `${name} is set by the MCP transport itself` });
      continue;
    }
    if (/[\r\n\0]/.test(value)) {
      problems.push({ path, message: "a header value may not hold line breaks" });
      continue;
    }
    const { config: marked, plan } = protectSecretRefs(value, "x");
    if (marked.includes("{{")) {
      problems.push({
        path,
        message: "a header value takes text and {{ secrets.NAME }} references, no other template",
      });
      continue;
    }
    if (plan.fields.length === 0 && CREDENTIAL.test(name) && value.trim() !== "") {
      problems.push({
        path,
        message: `${name} carries a credential: store it as a secret (PUT /api/secrets/NAME) and write {{ secrets.NAME }} here, so it is never stored or shown in plain text`,
      });
    }
  }
  return problems;
}

/**
 * The secrets an MCP server's headers name, each with the header that holds it.
 * @example
 * mcpHeaderSecrets({ authorization: "Bearer {{ secrets.GH }}" }); // [{ name: "GH", header: "authorization" }]
 */
export function mcpHeaderSecrets(
  headers: Record<string, string>,
): { name: string; header: string }[] {
  return Object.entries(headers).flatMap(([header, value]) =>
    protectSecretRefs(value, "x").plan.fields.flatMap((f) =>
      f.names.map((name) => ({ name, header })),
    ),
  );
}
