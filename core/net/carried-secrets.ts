import { hostAllowed } from "../secrets/hosts";
import { encodedForms } from "../secrets/redact";
import { HttpFetchError } from "./http-fetch-error";
import type { RequestShape } from "./request";

/** A secret in an outgoing request: where it sits, and where it may go. */
export interface CarriedSecret {
  name: string;
  value: string;
  /** Hosts and `*.suffix` patterns it may be sent to; null = unbound (any host). */
  allowedHosts: readonly string[] | null;
  /** Lower-case names of the headers it is in. */
  headers: readonly string[];
  inBody: boolean;
  inUrl: boolean;
}

function urlCarries(url: URL, value: string): boolean {
  const href = url.href.toLowerCase();
  return encodedForms(value).some((form) => href.includes(form.toLowerCase()));
}

/** The secrets a hop's request still carries. */
function carriedBy(url: URL, request: RequestShape, secrets: readonly CarriedSecret[]) {
  return secrets.filter(
    (s) =>
      (s.inUrl && urlCarries(url, s.value)) ||
      (s.inBody && request.body !== null) ||
      s.headers.some((h) => request.headers.has(h)),
  );
}

/**
 * Before a hop is sent: every secret the request carries must be allowed to reach its host.
 * @example
 * checkSecretHosts(new URL("https://evil.example/"), request, [{ name: "K", allowedHosts: ["api.stripe.com"], ... }]);
 * // throws HttpFetchError secret_host_not_allowed: secret "K" may be sent only to api.stripe.com, not to evil.example
 */
export function checkSecretHosts(
  url: URL,
  request: RequestShape,
  secrets: readonly CarriedSecret[],
  redirectedFrom?: string,
): void {
  for (const s of carriedBy(url, request, secrets)) {
    if (s.allowedHosts === null || hostAllowed(s.allowedHosts, url.hostname)) continue;
    const via = redirectedFrom ? ` (redirected from ${redirectedFrom})` : "";
    throw new HttpFetchError(
      "secret_host_not_allowed",
      `refused: secret "${s.name}" may be sent only to ${s.allowedHosts.join(", ")}, not to ${url.hostname}${via}; add the host to the secret's allowedHosts if it is meant to go there`,
    );
  }
}

/**
 * A redirect that leaves the origin (another host or port, or https to http) never carries a
 * secret: the headers that held one are dropped, and a request whose body holds one and would
 * be sent again (307, 308) is refused rather than sent without it.
 */
export function stripSecretsForRedirect(
  from: URL,
  to: URL,
  request: RequestShape,
  secrets: readonly CarriedSecret[],
): RequestShape {
  if (from.origin === to.origin || secrets.length === 0) return request;
  const headers = new Headers(request.headers);
  for (const s of secrets) for (const h of s.headers) headers.delete(h);
  const inBody = secrets.find((s) => s.inBody);
  if (inBody && request.body !== null) {
    throw new HttpFetchError(
      "secret_redirect_refused",
      `refused to follow the redirect from ${from.origin} to ${to.origin}: the request body carries secret "${inBody.name}", which never follows a redirect to another origin`,
    );
  }
  return { ...request, headers };
}
