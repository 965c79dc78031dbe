import { type ClientResponse, hc } from "hono/client";
import { type ReadError, readErrorEnvelope } from "../../../core/wire/error-envelope";
import type { AppType } from "../../../workers/api/app";

/** The typed API client: routes, params and response bodies are inferred from the Worker. */
export type Client = ReturnType<typeof hc<AppType>>;

/**
 * A client signed in by the session cookie (`POST /api/sessions` set it; the page never sees
 * the key or the cookie): same-origin credentials, no `Authorization` header, and the header
 * the API asks of cookie-authenticated writes (`X-Aob-Csrf`, docs/API.md "Sessions").
 * `onUnauthorized` hears of a 401 (the session ended: signed out elsewhere, expired, or the key
 * was revoked).
 */
export function createClient(
  onUnauthorized?: () => void,
  base: string = window.location.origin,
): Client {
  return hc<AppType>(base, {
    headers: { "x-aob-csrf": "1" },
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await fetch(input, { ...init, credentials: "same-origin" });
      if (res.status === 401) onUnauthorized?.();
      return res;
    },
  });
}

/** One problem the API reported with the JSON path of what is wrong (validation). */
export type ApiIssue = ReadError["issues"][number];

/** An error answer of the API: `{ error: { code, message, details? } }`, or a network failure. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ApiIssue[] = [],
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

/** A typed client call's answer, of any route and status. */
type Answer = ClientResponse<unknown, number>;

async function failure(res: Answer): Promise<ApiFailure> {
  const { code, message, issues } = readErrorEnvelope(res.status, await res.text());
  return new ApiFailure(res.status, code, message, issues);
}

/** The body of a call's successful answers (its error answers are thrown as `ApiFailure`). */
export type OkBody<R> = R extends { ok: true; json(): Promise<infer T> } ? T : never;

/**
 * Awaits a client call and returns its JSON body, or throws an `ApiFailure` carrying the API's
 * code, message and validation issues.
 * @example
 * const { runs } = await call(client.api.runs.$get({ query: { status: "failed" } }));
 */
export async function call<R extends Answer>(pending: Promise<R>): Promise<OkBody<R>> {
  let res: R;
  try {
    res = await pending;
  } catch (err) {
    throw new ApiFailure(0, "network", `cannot reach the API: ${String(err)}`);
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as OkBody<R>;
}

/** Awaits a call whose success has no body (204), or throws an `ApiFailure` like `call`. */
export async function callNoContent(pending: Promise<Answer>): Promise<void> {
  let res: Answer;
  try {
    res = await pending;
  } catch (err) {
    throw new ApiFailure(0, "network", `cannot reach the API: ${String(err)}`);
  }
  if (!res.ok) throw await failure(res);
}

/** A short text for an error of any kind, for banners. */
export function describeError(err: unknown): string {
  if (err instanceof ApiFailure) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
