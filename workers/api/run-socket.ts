import type { Context } from "hono";
import { closeKeySocket, forgetKeySockets, openKeySocket } from "../../db/sessions";
import { runObject } from "../../durable-objects/run/rpc";
import { ApiError } from "./errors";
import { runStub } from "./run-stub";
import type { AppEnv } from "./types";

const REVOKED = "invalid or revoked API key";

/**
 * Opens a live subscription to a run for the authenticated key. The socket is counted in D1
 * (`key_sockets`) before the RunObject accepts it, in the same batch that checks the key is
 * still live, and the RunObject tags it with the key's id: so revoking the key finds this run
 * and closes the socket, whichever of the two happens first.
 */
export async function openRunSocket(
  c: Context<AppEnv>,
  runId: string,
  after: number,
  window?: number,
): Promise<Response> {
  const stub = await runStub(c.env, c.get("tenantId"), runId);
  const keyId = c.get("keyId");
  if (!(await openKeySocket(c.env.DB, keyId, runId))) {
    await closeKeySocket(c.env.DB, keyId, runId);
    throw new ApiError(401, "unauthorized", REVOKED);
  }
  const expires = c.get("session")?.expiresAt;
  const res = await stub.fetch(
    new Request(`https://run/ws?after=${after}${window ? `&window=${window}` : ""}`, {
      headers: {
        upgrade: "websocket",
        "x-aob-key-id": keyId,
        ...(expires === undefined ? {} : { "x-aob-session-expires": String(expires) }),
      },
    }),
  );
  if (res.status === 101) return res;
  await closeKeySocket(c.env.DB, keyId, runId);
  if (res.status === 401) throw new ApiError(401, "unauthorized", REVOKED);
  if (res.status === 404) throw new ApiError(404, "not_found", `run ${runId} not found`);
  return res;
}

/**
 * Closes every socket a revoked key holds open: the runs are those `key_sockets` lists for it
 * (at most the runs it is watching right now, plus any whose socket was lost without a close),
 * 50 calls at a time. Called after the key's row says revoked, so a socket opened later is
 * refused instead. A run that could not be reached keeps its row, and the error says to
 * revoke again, which retries just those.
 */
export async function closeKeySockets(env: Env, keyId: string, runIds: string[]): Promise<void> {
  const failed: string[] = [];
  for (let i = 0; i < runIds.length; i += 50) {
    const batch = runIds.slice(i, i + 50);
    const outcomes = await Promise.allSettled(
      batch.map((runId) => runObject(env, runId).revokeKey(keyId)),
    );
    const done = batch.filter((_, j) => outcomes[j]?.status === "fulfilled");
    failed.push(...batch.filter((_, j) => outcomes[j]?.status !== "fulfilled"));
    await forgetKeySockets(env.DB, keyId, done);
  }
  if (failed.length > 0) {
    console.error(JSON.stringify({ at: "revoke", keyId, unreached: failed }));
    throw new ApiError(
      500,
      "internal_error",
      `the key is revoked and its sessions ended, but ${failed.length} run(s) holding its sockets could not be reached: revoke it again to close them`,
    );
  }
}
