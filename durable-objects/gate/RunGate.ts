import { DurableObject } from "cloudflare:workers";
import { type GateRules, room } from "../../core/flow/room";
import { markQueuedRunEnded } from "../../db/runs";
import { findVersion } from "../../db/workflows";
import type { ChildEnded } from "../run/child-runs";
import { runObject } from "../run/rpc";
import { StartRefused, startRun } from "../run/start";
import { GateBook, type GatedStart } from "./gate-book";
import { type GateRpc, gateName } from "./gates";

export type { GateRules };

/** What a gate answers a run's admission. */
export type GateAnswer =
  | { status: "running" }
  | { status: "queued"; position: number }
  /** A debounce collapsed the start into this waiting run, which takes its input. */
  | { status: "collapsed"; runId: string; position: number }
  | { status: "full"; message: string }
  | {
      status: "refused";
      refusal: { status: 400 | 409 | 422; code: string; message: string; details?: unknown };
    };

/** How long a start that failed for a passing reason waits before the alarm tries it again. */
const RETRY_START_MS = 1000;
/**
 * A picked run's start not confirmed by then (the gate stopped half-way: a crash, a deploy) is
 * started again by the alarm, armed before any start is tried.
 */
const STARTING_WATCH_MS = 30_000;

/**
 * One concurrency gate (docs/FLOW-CONTROL.md): the runs of one workflow and key of one tenant,
 * at most `limit` active, the rest waiting in admission order. It starts runs itself (the same
 * `startRun` every entry point uses, marked as its own), and a run it started tells it when it
 * ends (`release`). Its alarm tries again starts whose answer it did not get.
 */
export class RunGate extends DurableObject<Env> implements GateRpc {
  private readonly book: GateBook;
  /** Runs whose start this incarnation has under way: not started twice at once. */
  private readonly launching = new Set<string>();
  /** Starts run one after the other, in the order they were picked: the admission order. */
  private launches: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.book = new GateBook(ctx.storage.sql);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS gate_rules (id INTEGER PRIMARY KEY CHECK (id = 1), rules TEXT NOT NULL)`,
    );
  }

  /**
   * Admits a run: started now when a slot is free (answers once it started, or why it could
   * not), else kept in the queue (its position), or refused when the queue is full. Admitting
   * a run already here answers where it is and changes nothing.
   */
  async admit(start: GatedStart, rules: GateRules): Promise<GateAnswer> {
    const sql = this.ctx.storage.sql;
    const known = this.book.get(start.runId);
    if (known) return this.whereIs(start.runId);
    const now = Date.now();
    const debounced = rules.debounceMs === undefined ? null : now + rules.debounceMs;
    let into: string | null = null;
    const picked = this.ctx.storage.transactionSync(() => {
      sql.exec(
        `INSERT INTO gate_rules (id, rules) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET rules = excluded.rules`,
        JSON.stringify(rules),
      );
      into = debounced === null ? null : this.book.debouncing();
      if (into !== null && debounced !== null) {
        this.book.collapse(into, start, debounced);
        this.wakeAt = debounced;
        return [];
      }
      if (this.book.count("waiting") >= rules.maxQueued) return null;
      this.book.add(start, { priority: start.priority ?? 0, notBefore: debounced });
      const holding = this.book.count("active") + this.book.count("starting");
      const chosen = this.pick(rules);
      if (!chosen.some((s) => s.runId === start.runId)) {
        this.book.note(start.runId, whyWaiting(rules, holding));
      }
      return chosen;
    });
    if (into !== null) {
      await this.watch();
      return { status: "collapsed", runId: into, position: this.book.position(into) ?? 1 };
    }
    if (picked?.length || this.wakeAt !== null) await this.watch();
    if (!picked) {
      return {
        status: "full",
        message: `the queue of this workflow${start.key === null ? "" : ` (key "${start.key}")`} is full: ${rules.maxQueued} runs are waiting (${rules.concurrency === undefined ? "throttle" : "concurrency"}.maxQueued)`,
      };
    }
    const launched = await Promise.all(picked.map((s) => this.inTurn(s)));
    return launched[picked.findIndex((s) => s.runId === start.runId)] ?? this.whereIs(start.runId);
  }

  /** A run this gate started ended: its slot goes to the next waiting run. */
  async release(runId: string): Promise<void> {
    this.ctx.storage.transactionSync(() => this.book.remove(runId, ["active", "starting"]));
    await this.drain();
  }

  /**
   * Cancels a waiting run: removed from the queue, its D1 row `cancelled`, a child's parent
   * told. False when it is not waiting here (started, or never admitted): cancel its run.
   */
  async cancel(runId: string, reason = "cancelled while queued"): Promise<boolean> {
    const entry = this.book.get(runId);
    if (entry?.state !== "waiting") return false;
    // Its row and its parent first: if telling them fails, it is still queued and can be
    // cancelled again.
    await this.ended(entry.start, "cancelled", { code: "cancelled", message: reason });
    this.ctx.storage.transactionSync(() => this.book.remove(runId, ["waiting"]));
    return true;
  }

  /** A waiting run's position (1: next), or null when it is not waiting here. */
  async position(runId: string): Promise<number | null> {
    return this.book.position(runId);
  }

  override async alarm(): Promise<void> {
    await this.drain();
  }

  private whereIs(runId: string): GateAnswer {
    const position = this.book.position(runId);
    return position === null ? { status: "running" } : { status: "queued", position };
  }

  /** Starts what the rules allow: runs picked before and not confirmed, then waiting ones. */
  private async drain(): Promise<void> {
    const rules = this.rules();
    if (!rules) return;
    const again = this.book.starting().filter((s) => !this.launching.has(s.runId));
    const picked = this.ctx.storage.transactionSync(() => this.pick(rules));
    if (again.length + picked.length > 0 || this.wakeAt !== null) await this.watch();
    await Promise.all([...again, ...picked].map((s) => this.inTurn(s)));
  }

  /**
   * Inside a transaction: picks what the rules let start now (core/flow/room.ts); when a
   * throttle holds runs back, the alarm is armed for when the next may start.
   */
  private pick(rules: GateRules): GatedStart[] {
    const now = Date.now();
    const starts = rules.throttle ? this.book.startsSince(now - rules.throttle.periodMs) : [];
    const holding = this.book.count("active") + this.book.count("starting");
    const waiting = this.book.ready(now);
    const r = room(rules, { holding, waiting, starts, now });
    // A throttle's next start, or a debounced run's time, whichever comes first.
    const next = [r.wakeAt, this.book.nextReady(now)].filter((t): t is number => t !== null);
    if (next.length > 0) this.wakeAt = Math.min(...next, this.wakeAt ?? Number.POSITIVE_INFINITY);
    return this.book.pick(r.start, now);
  }

  /** When a throttle lets the next waiting run start (set by `pick`, armed by `watch`). */
  private wakeAt: number | null = null;

  /**
   * Arms the alarm: for a throttle's next start, and to start again what was picked and not
   * confirmed (STARTING_WATCH_MS).
   */
  private async watch(): Promise<void> {
    const wake = this.wakeAt;
    this.wakeAt = null;
    const at = Math.min(Date.now() + STARTING_WATCH_MS, wake ?? Number.POSITIVE_INFINITY);
    const armed = await this.ctx.storage.getAlarm();
    if (armed === null || armed > at) await this.ctx.storage.setAlarm(at);
  }

  /** Launches a picked run after every run picked before it. */
  private inTurn(start: GatedStart): Promise<GateAnswer> {
    this.launching.add(start.runId);
    const turn = this.launches.then(() => this.launch(start));
    this.launches = turn.catch(() => {});
    return turn;
  }

  private rules(): GateRules | null {
    const row = this.ctx.storage.sql
      .exec<{ rules: string }>(`SELECT rules FROM gate_rules WHERE id = 1`)
      .toArray()[0];
    return row ? (JSON.parse(row.rules) as GateRules) : null;
  }

  /**
   * Starts a picked run under its id. Started (or started before: a start is idempotent), it
   * holds its slot until its release. Refused for good (its version no longer validates, a
   * limit), its row is failed and its slot freed. A passing failure is tried again by the alarm.
   */
  private async launch(start: GatedStart): Promise<GateAnswer> {
    try {
      const row = await findVersion(this.env.DB, start.workflowId, start.version);
      if (!row) {
        throw new StartRefused(
          409,
          "conflict",
          `version ${start.version} of ${start.workflowId} no longer exists`,
        );
      }
      const started = await startRun(this.env, {
        ...start,
        definition: JSON.parse(row.definition) as unknown,
        gated: {
          gate: this.gateName(start),
          queuedAt: start.queuedAt,
          key: start.key,
          ...(start.order === undefined ? {} : { order: start.order }),
          ...(start.pickedAt === undefined ? {} : { pickedAt: start.pickedAt }),
          ...(start.reason === undefined ? {} : { reason: start.reason }),
        },
      });
      if (started.status === "cancelled") {
        // Cancelled meanwhile (its row says so): nothing to hold a slot for.
        this.ctx.storage.transactionSync(() => this.book.remove(start.runId, ["starting"]));
        void this.drain();
        return { status: "running" };
      }
      this.ctx.storage.transactionSync(() => this.book.activate(start.runId));
      return { status: "running" };
    } catch (err) {
      if (err instanceof StartRefused) {
        this.ctx.storage.transactionSync(() => this.book.remove(start.runId, ["starting"]));
        await this.ended(start, "failed", { code: err.code, message: err.message });
        void this.drain();
        return {
          status: "refused",
          refusal: {
            status: err.status as 400 | 409 | 422,
            code: err.code,
            message: err.message,
            details: err.details,
          },
        };
      }
      console.error(JSON.stringify({ at: "gate_launch", runId: start.runId, error: String(err) }));
      await this.ctx.storage.setAlarm(Date.now() + RETRY_START_MS);
      return { status: "running" };
    } finally {
      this.launching.delete(start.runId);
    }
  }

  /** The gate's name, as runs started by it name it (their release goes there). */
  private gateName(start: GatedStart): string {
    return gateName(start.tenantId, start.workflowId, start.key);
  }

  /** A run that ends without having started: its row says so, and a child's parent is told. */
  private async ended(
    start: GatedStart,
    status: "failed" | "cancelled",
    error: { code: string; message: string },
  ): Promise<void> {
    await markQueuedRunEnded(this.env.DB, start.runId, {
      status,
      error: JSON.stringify({ ...error, retryable: false }),
      finishedAt: Date.now(),
    });
    const parent = start.parent;
    if (!parent) return;
    const notice: ChildEnded = {
      childRunId: start.runId,
      nodeId: parent.nodeId,
      attempt: parent.attempt,
      ...(parent.item ? { item: parent.item } : {}),
      status,
      ...(status === "failed" ? { error: { ...error, retryable: false } } : {}),
    };
    await runObject(this.env, parent.runId).childEnded(notice);
  }
}

/** Why a run admitted now waits, in words (its `run_queued` event's `reason`). */
function whyWaiting(rules: GateRules, holding: number): string {
  if (rules.debounceMs !== undefined) {
    return `debounce: starts within ${rules.debounceMs / 1000} s collapse into one run`;
  }
  if (rules.concurrency !== undefined && holding >= rules.concurrency) {
    return `concurrency limit of ${rules.concurrency} reached`;
  }
  if (rules.throttle) {
    return `throttle of ${rules.throttle.limit} starts per ${rules.throttle.periodMs / 1000} s reached`;
  }
  return "behind runs admitted before it";
}
