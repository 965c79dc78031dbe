import type { Command } from "commander";
import { call, unreachable } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { EXIT } from "../errors";
import { printJson, printTable, say } from "../output";

/** `aob status`: one round trip per binding (`GET /api/health/deep`; the server reuses it 10 s). */
export function registerStatus(program: Command): void {
  leaf(
    program,
    "status",
    "check the platform: a round trip to D1, R2, the queue and a Durable Object",
  ).action(action(status));
}

async function status(ctx: Context) {
  const pending = ctx.api.health.deep.$get();
  const res = await pending.catch((err: unknown) => {
    throw unreachable(err);
  });
  // A 503 still carries the checks and says which binding fails; other errors are thrown.
  const body = res.status === 503 ? await res.json() : await call(Promise.resolve(res));
  if (ctx.json) {
    printJson(body);
  } else {
    printTable(
      ["binding", "state", "ms"],
      Object.entries(body.checks).map(([name, check]) => [
        name,
        check.ok ? "ok" : `failing: ${check.error ?? "unknown"}`,
        String(check.ms),
      ]),
    );
    say(`version ${body.version}, checked ${Math.round(body.ageMs / 1000)} s ago`);
  }
  return body.ok ? EXIT.ok : EXIT.failed;
}
