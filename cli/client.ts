import { type ClientResponse, hc } from "hono/client";
import { readErrorEnvelope } from "../core/wire/error-envelope";
import type { AppType } from "../workers/api/app";
import { CliError, EXIT } from "./errors";

/** The typed API client: paths, params and response bodies are inferred from the Worker's routes. */
export type Client = ReturnType<typeof hc<AppType>>;
export type Api = Client["api"];

export interface Credentials {
  url: string;
  apiKey: string;
}

/** A client that sends `Authorization: Bearer <key>` on every call. */
export function createClient(creds: Credentials): Client {
  return hc<AppType>(creds.url, { headers: { authorization: `Bearer ${creds.apiKey}` } });
}

/** A refusal of the API, with its HTTP status and code. */
export class ApiFailure extends CliError {
  constructor(
    status: number,
    code: string,
    message: string,
    issues: { at: string; message: string }[],
  ) {
    super(message, EXIT.failed, code, issues, status);
    this.name = "ApiFailure";
  }
}

/** A typed client call's answer, of any route and status. */
type Answer = ClientResponse<unknown, number>;

async function failure(res: Answer): Promise<ApiFailure> {
  const { code, message, issues } = readErrorEnvelope(res.status, await res.text());
  return new ApiFailure(res.status, code, message, issues);
}

/** A failed fetch (refused connection, DNS) as a CLI error naming the server. */
export function unreachable(err: unknown): CliError {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : "";
  const what = err instanceof Error ? err.message : String(err);
  return new CliError(
    `cannot reach the API: ${what}${cause ? ` (${cause})` : ""}`,
    EXIT.failed,
    "unreachable",
  );
}

/** The body of a call's successful answers (its error answers are thrown as `ApiFailure`). */
export type OkBody<R> = R extends { ok: true; json(): Promise<infer T> } ? T : never;

/**
 * Awaits a typed client call and returns its JSON body, or throws an `ApiFailure` carrying the
 * API's code, message and validation issues.
 * @example
 * const { runs } = await call(api.runs.$get({ query: { status: "failed" } }));
 */
export async function call<R extends Answer>(pending: Promise<R>): Promise<OkBody<R>> {
  let res: R;
  try {
    res = await pending;
  } catch (err) {
    throw unreachable(err);
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as OkBody<R>;
}

/** Like `call` for answers without a body (204). */
export async function callEmpty(pending: Promise<Answer>): Promise<void> {
  let res: Answer;
  try {
    res = await pending;
  } catch (err) {
    throw unreachable(err);
  }
  if (!res.ok) throw await failure(res);
}

/** Like `call` for an answer read as a stream (a blob): the response itself when it is a success. */
export async function callRaw<R extends Answer>(pending: Promise<R>): Promise<R> {
  let res: R;
  try {
    res = await pending;
  } catch (err) {
    throw unreachable(err);
  }
  if (!res.ok) throw await failure(res);
  return res;
}
