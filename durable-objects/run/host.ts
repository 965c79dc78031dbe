/**
 * Everything the engine reaches outside its own memory, declared once: the object's storage
 * (SQLite and the alarm), the bindings, the clock, deferred work and the inline fetch. The
 * RunObject lends the platform's (`platformHost`); the engine simulation (test/support/sim)
 * lends a world it controls, so the same engine code runs under injected faults and a virtual
 * clock, and a case replays exactly from its seed.
 */

import { executeHttp, type HttpCall } from "../../platform/http-executor";
import type { OutputOwner } from "../../platform/output-refs";

/** The part of a Durable Object's storage the engine uses. */
export type RunStorage = Pick<
  DurableObjectStorage,
  "sql" | "transactionSync" | "getAlarm" | "setAlarm" | "deleteAlarm"
>;

/** An inline http node's fetch: the config rendered but for secret markers (http-executor.ts). */
export type InlineHttp = (
  owner: OutputOwner,
  config: Record<string, unknown>,
  timeoutMs: number,
  call?: HttpCall,
) => Promise<unknown>;

export interface RunHost {
  storage: RunStorage;
  /** The bindings: D1 (projection), R2 (outputs, outbox), the node-work queue, secrets. */
  env: Env;
  /** Milliseconds since the epoch: every time the engine stores or compares. */
  now(): number;
  /** Runs `fn` after `ms` unless cancelled (the outbox's quiet period). */
  later(fn: () => void, ms: number): () => void;
  http: InlineHttp;
}

/** The platform as a RunObject has it. */
export function platformHost(storage: DurableObjectStorage, env: Env): RunHost {
  return {
    storage,
    env,
    now: () => Date.now(),
    later: (fn, ms) => {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    },
    http: (owner, config, timeoutMs, call) => executeHttp(env, owner, config, timeoutMs, call),
  };
}
