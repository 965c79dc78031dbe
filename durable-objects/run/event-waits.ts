/**
 * Waits for events as the engine drives them (docs/COMPOSITION.md): a wait node's attempt
 * takes an event the run was sent before it (the mailbox), or registers in D1 (so an event sent
 * to every waiting run finds it), records its wait and parks; an event that arrives is written
 * into its wait in one transaction with its idempotency key, then becomes the node's result on
 * port `received`. A wake delivers an event taken but not stepped (`undelivered`).
 */

import type { IRNode } from "../../core/compile/ir";
import { NonRetryableError } from "../../core/errors";
import type { RunContext } from "../../core/executors/context";
import { renderTemplates } from "../../core/expressions/template";
import { kindOf } from "../../core/kinds/registry";
import { MAX_EVENT_KEY_LENGTH, type WaitConfig } from "../../core/kinds/wait";
import { TERMINAL_RUN } from "../../core/scheduler";
import { registerWait } from "../../db/event-waits";
import { placeOutput } from "../../platform/output-refs";
import { signWaitUrl, WAIT_URL_DEFAULT_TTL_MS } from "../../platform/wait-urls";
import type { Loaded } from "./context";
import {
  type EventBook,
  type EventWait,
  keysMatch,
  MAILBOX_LIMIT,
  type RunEvent,
} from "./event-book";
import type { RunStorage } from "./host";
import type { Pending } from "./pending";

/** What the engine lends this module. */
export interface EventWaitsHost {
  storage: RunStorage;
  env: Env;
  now(): number;
  events: EventBook;
  run(): Loaded | null;
  /** Queues a signal for the pump. */
  push(pending: Pending): void;
  /** Queues signals and resolves once they are committed. */
  enqueue(items: Pending[]): Promise<void>;
  /** A wait parked without its D1 row: the projection writes it (effects.ts). */
  unregistered(): void;
}

/** An event sent to this run: by `POST /api/events` or a wait's signed URL. */
export interface EventDelivery {
  /** Null: whatever the named `wait` waits for (a signed URL's event). */
  name: string | null;
  key: string | null;
  data: unknown;
  by: string;
  idempotencyKey?: string;
  /** One wait (its node's attempt): the registration the API found, or a signed URL's claim. */
  wait?: { nodeId: string; attempt: number };
  /**
   * Keep the event for a wait the run has not reached (an event sent to this run by id). Without
   * it, an event no wait takes is refused (`not_waiting`).
   */
  keep: boolean;
}

/** Why an event was not delivered; nothing was recorded. */
export interface Refusal {
  ok: false;
  status: 404 | 409 | 413;
  code: "not_found" | "run_finished" | "not_waiting" | "mailbox_full" | "event_too_large";
  message: string;
}

/** What became of an event sent to a run. */
export type Delivered =
  | { ok: true; outcome: "received"; nodeId: string; attempt: number }
  | { ok: true; outcome: "kept" | "duplicate" }
  | Refusal;

export class EventWaits {
  constructor(private readonly host: EventWaitsHost) {}

  /**
   * A wait node's attempt: an event already taken for it (a wake re-ran this) or kept for it is
   * its result at once; otherwise it registers, records its wait and parks.
   */
  async open(node: IRNode, attempt: number, context: RunContext): Promise<void> {
    const { events, storage, env } = this.host;
    const run = this.host.run()!;
    const config = node.config as WaitConfig;
    const earlier = events.get(node.id, attempt);
    if (earlier?.event) {
      this.host.push(await this.resultOf(node.id, attempt, earlier.event));
      return;
    }
    const key =
      config.match === undefined
        ? null
        : String(
            await renderTemplates(config.match, context, { timeoutMs: node.expressionTimeoutMs }),
          );
    if (key !== null && (key.length === 0 || key.length > MAX_EVENT_KEY_LENGTH)) {
      throw new NonRetryableError(
        "invalid_event_key",
        `node "${node.id}": match rendered a key of ${key.length} characters; it must have 1 to ${MAX_EVENT_KEY_LENGTH}`,
      );
    }
    const now = this.host.now();
    const expiresAt = config.timeoutSeconds ? now + config.timeoutSeconds * 1000 : null;
    const wait = { nodeId: node.id, attempt, name: config.event, key, expiresAt };
    const { tenantId, runId } = run.meta;
    // Registered before the wait exists here: an event sent meanwhile to this run finds the node
    // still running and is kept, and the transaction below takes it. When D1 refuses, the wait
    // parks all the same and the projection registers it (effects.ts): events sent by name find
    // it a little later; those sent to this run or its URL find it at once.
    const registered = await registerWait(env.DB, { tenantId, runId, ...wait }, now).then(
      () => true,
      (err: unknown) => {
        console.error(JSON.stringify({ at: "register wait", runId, error: String(err) }));
        return false;
      },
    );
    const url = await signWaitUrl(env, {
      tenantId,
      runId,
      nodeId: node.id,
      attempt,
      expiresAt: expiresAt ?? now + WAIT_URL_DEFAULT_TTL_MS,
    });
    const kept = storage.transactionSync(() => {
      const found = events.takeKept(config.event, key);
      events.open({ ...wait, url }, registered);
      if (found) events.receive(node.id, attempt, found);
      return found;
    });
    if (!registered) this.host.unregistered();
    if (kept) {
      this.host.push(await this.resultOf(node.id, attempt, kept));
      return;
    }
    this.host.push({
      signal: {
        type: "wait",
        nodeId: node.id,
        attempt,
        until: expiresAt,
        reason: "event",
        data: { event: config.event, key, expiresAt, url },
      },
    });
  }

  /**
   * An event for this run: taken by the wait it names, or by the oldest wait on its name and
   * key; kept for later when asked and none takes it. Answers once what it caused is committed.
   */
  async deliver(delivery: EventDelivery): Promise<Delivered> {
    const run = this.host.run();
    if (!run) return { ok: false, status: 404, code: "not_found", message: "no such run" };
    // A signed URL's event takes the name of the wait it names.
    const name =
      delivery.name ??
      (delivery.wait && this.host.events.get(delivery.wait.nodeId, delivery.wait.attempt)?.name);
    if (!name) return notWaiting(run, delivery, "an event");
    const first = this.route(run, { ...delivery, name });
    if ("refused" in first) return first.refused;
    const event: RunEvent = {
      name,
      key: delivery.key,
      data: delivery.data ?? null,
      by: delivery.by,
      at: this.host.now(),
    };
    // Placed before the transaction (a large one in R2); the route is taken again inside it.
    const output = await this.place(event.data);
    if ("problem" in output) {
      return { ok: false, status: 413, code: "event_too_large", message: output.problem.message };
    }
    const { events, storage } = this.host;
    const done = storage.transactionSync(() => {
      const route = this.route(run, { ...delivery, name });
      if ("refused" in route) return route.refused;
      if (delivery.idempotencyKey && events.seen(delivery.idempotencyKey, event.at)) {
        return { ok: true as const, outcome: "duplicate" as const };
      }
      if ("taker" in route) {
        events.receive(route.taker.nodeId, route.taker.attempt, event);
        return { ok: true as const, outcome: "received" as const, ...route.taker };
      }
      if (!events.keep(event)) {
        return {
          ok: false as const,
          status: 409 as const,
          code: "mailbox_full" as const,
          message: `run ${run.meta.runId} already keeps ${MAILBOX_LIMIT} events for waits it has not reached`,
        };
      }
      return { ok: true as const, outcome: "kept" as const };
    });
    if (done.ok && done.outcome === "received") {
      await this.host.enqueue([this.pending(done.nodeId, done.attempt, output)]);
    }
    return done;
  }

  get(nodeId: string, attempt: number): EventWait | undefined {
    return this.host.events.get(nodeId, attempt);
  }

  /** Whether a parked wait took an event its step has not ended (a wake owes its result). */
  owed(): boolean {
    const run = this.host.run();
    return run !== null && this.host.events.withStatus("received").some((w) => this.parked(run, w));
  }

  private parked(run: Loaded, wait: EventWait): boolean {
    const st = run.state.nodes[wait.nodeId];
    return st?.status === "waiting" && st.waitReason === "event" && st.attempt === wait.attempt;
  }

  /**
   * Events taken but not stepped (the object stopped between the two) by a parked wait: their
   * results again, for the pump after a wake. (A wait still opening re-runs its `open`.)
   */
  async undelivered(): Promise<Pending[]> {
    const run = this.host.run();
    if (!run) return [];
    const found: Pending[] = [];
    for (const wait of this.host.events.withStatus("received")) {
      if (!this.parked(run, wait)) continue;
      found.push(await this.resultOf(wait.nodeId, wait.attempt, wait.event!));
    }
    return found;
  }

  /**
   * Where an event goes now: the wait that takes it (the one named, or the oldest that fits), the
   * mailbox, or a refusal. A recorded wait takes events from the moment it is recorded (its node
   * parks in the step after, and the event's result follows that step in the queue).
   */
  private route(
    run: Loaded,
    delivery: EventDelivery & { name: string },
  ): { taker: { nodeId: string; attempt: number } } | { keep: true } | { refused: Refusal } {
    if (TERMINAL_RUN.has(run.state.status)) {
      const message = `run ${run.meta.runId} has ended (${run.state.status})`;
      return { refused: { ok: false, status: 409, code: "run_finished", message } };
    }
    const live = (nodeId: string, attempt: number) => {
      const st = run.state.nodes[nodeId];
      if (st?.attempt !== attempt) return false;
      return st.status === "running" || (st.status === "waiting" && st.waitReason === "event");
    };
    const fits = (w: EventWait) =>
      w.status === "waiting" &&
      w.name === delivery.name &&
      keysMatch(w.key, delivery.key) &&
      live(w.nodeId, w.attempt);
    const named = delivery.wait;
    const taker = named
      ? this.host.events.get(named.nodeId, named.attempt)
      : this.host.events.withStatus("waiting").find(fits);
    if (taker && fits(taker)) return { taker };
    if (delivery.keep) return { keep: true };
    // A registered wait whose node is still opening it (its D1 row written, its wait not yet
    // recorded here): the event is kept, and the opening takes it.
    if (named && !taker && this.opening(run, named.nodeId, named.attempt)) return { keep: true };
    const key = delivery.key === null ? "" : ` with key "${delivery.key}"`;
    return { refused: notWaiting(run, delivery, `event "${delivery.name}"${key}`) };
  }

  /** Whether a wait node's attempt is running (its wait not recorded yet). */
  private opening(run: Loaded, nodeId: string, attempt: number): boolean {
    const st = run.state.nodes[nodeId];
    const node = Object.hasOwn(run.ir.byId, nodeId) ? run.ir.nodes[run.ir.byId[nodeId]!] : null;
    return (
      st?.status === "running" &&
      st.attempt === attempt &&
      kindOf(node?.type ?? "")?.traits.wait?.for === "event" &&
      this.host.events.get(nodeId, attempt) === undefined
    );
  }

  private async place(data: unknown) {
    const { tenantId, runId } = this.host.run()!.meta;
    return placeOutput(this.host.env, { tenantId, runId }, data);
  }

  private async resultOf(nodeId: string, attempt: number, event: RunEvent): Promise<Pending> {
    const placed = await this.place(event.data);
    if ("problem" in placed) {
      return {
        signal: {
          type: "result",
          nodeId,
          attempt,
          outcome: { ok: false, error: placed.problem },
        },
      };
    }
    return this.pending(nodeId, attempt, placed);
  }

  private pending(
    nodeId: string,
    attempt: number,
    placed: Exclude<Awaited<ReturnType<typeof placeOutput>>, { problem: unknown }>,
  ): Pending {
    const signal: Pending["signal"] = {
      type: "result",
      nodeId,
      attempt,
      outcome: { ok: true, port: "received" },
    };
    return "ref" in placed ? { signal, outputRef: placed.ref } : { signal, output: placed.output };
  }
}

function notWaiting(run: Loaded, delivery: EventDelivery, what: string): Refusal {
  const named = delivery.wait;
  const message = named
    ? `node "${named.nodeId}" (attempt ${named.attempt}) of run ${run.meta.runId} is not waiting for ${what}`
    : `no node of run ${run.meta.runId} is waiting for ${what}`;
  return { ok: false, status: 409, code: "not_waiting", message };
}
