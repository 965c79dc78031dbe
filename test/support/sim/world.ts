/**
 * The simulated world a run's engine lives in (durable-objects/run/host.ts): its object's
 * SQLite is the real one (workerd's), fenced per incarnation; the alarm, the clock, deferred
 * work, the node-work queue, inline fetches and R2 are the world's; D1 is the real local one
 * behind a door that can fail. Every fault is the world's choice, from one seeded generator
 * for what the simulation does in order, and from `hashChance` for background writes.
 *
 * A crash ends an incarnation: everything it reaches afterwards throws `SimCrash` (a dead
 * object's code runs no more), its deferred work and inline fetches are forgotten, and the next
 * incarnation is built over the same storage, as a restarted Durable Object is.
 */

import type { NodeJob } from "../../../core/wire/node-job";
import type { RunHost, RunStorage } from "../../../durable-objects/run/host";
import { hashChance, type Rng } from "./random";

export class SimCrash extends Error {
  constructor(point: string) {
    super(`simulated crash at ${point}`);
  }
}

/** How often each fault is taken when it may be (the long search varies these). */
export interface FaultRates {
  /** Per storage transaction, per queue send, per alarm write: the object crashes there. */
  crash: number;
  /** Per write inside a transaction: the object crashes mid-transaction (rolled back). */
  crashInTransaction: number;
  /** Per queue send: the send fails (the lease recovers the jobs). */
  sendFails: number;
  /** Per R2 put and per D1 statement: the write fails. */
  writeFails: number;
  /** Per delivery: the job vanishes (at most twice per attempt). */
  deliveryLost: number;
  /** Per delivery: the job is delivered and stays in the queue. */
  deliveryDuplicated: number;
  /** Per result: the runner reports it later. */
  lateResult: number;
  /** Per action: the alarm fires before its time; per alarm: it fires twice. */
  alarmEarly: number;
  alarmTwice: number;
  /** Per action: the clock moves past the next due time. */
  timeJump: number;
  /** Per action (up to 3 per run): a person patches the running graph. */
  patch: number;
}

export const NO_FAULTS: FaultRates = {
  crash: 0,
  crashInTransaction: 0,
  sendFails: 0,
  writeFails: 0,
  deliveryLost: 0,
  deliveryDuplicated: 0,
  lateResult: 0,
  alarmEarly: 0,
  alarmTwice: 0,
  timeJump: 0,
  patch: 0,
};
export const DEFAULT_FAULTS: FaultRates = {
  crash: 0.02,
  crashInTransaction: 0.004,
  sendFails: 0.03,
  writeFails: 0.08,
  deliveryLost: 0.1,
  deliveryDuplicated: 0.1,
  lateResult: 0.1,
  alarmEarly: 0.05,
  alarmTwice: 0.1,
  timeJump: 0.08,
  patch: 0.03,
};

export interface Message {
  id: number;
  body: NodeJob;
}

export interface InlineCall {
  config: Record<string, unknown>;
  resolve(output: unknown): void;
  reject(err: unknown): void;
}

interface Later {
  at: number;
  fn: () => void;
}

/** A count per fault kind: what the long run reports. */
export class FaultCounts {
  readonly byKind: Record<string, number> = {};

  add(kind: string): void {
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
  }
}

class Life {
  dead = false;
  check(point: string): void {
    if (this.dead) throw new SimCrash(`${point} (after a crash)`);
  }
}

export interface WorldOptions {
  rates: FaultRates;
  /** At most this many crashes per case. */
  maxCrashes: number;
  /**
   * A planted bug for the simulator's own test: the storage transaction is not atomic (writes
   * before a failure inside it stay), so a crash mid-step leaves half a step behind.
   */
  nonAtomic?: boolean;
}

export class World {
  readonly start = Date.UTC(2026, 0, 1);
  clock = this.start;
  alarmAt: number | null = null;
  readonly queue: Message[] = [];
  readonly inline: InlineCall[] = [];
  readonly laters: Later[] = [];
  readonly r2 = new Map<string, string>();
  readonly faults = new FaultCounts();
  crashes = 0;
  lastCrash = "";
  private nextMessage = 1;
  private life = new Life();
  private inTransaction = false;
  private onCrash: () => void = () => {};
  private readonly occurrences = new Map<string, number>();

  constructor(
    private readonly rng: Rng,
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
    private readonly options: WorldOptions,
  ) {}

  /** Resolves when the current incarnation crashes (an action in flight stops there). */
  crashSignal(): Promise<void> {
    return new Promise((resolve) => {
      this.onCrash = resolve;
    });
  }

  /** Whether the current incarnation crashed (and the object must restart). */
  dead(): boolean {
    return this.life.dead;
  }

  /** The next time something is due: the alarm or deferred work. */
  nextDue(): number | null {
    const times = this.laters.map((l) => l.at);
    if (this.alarmAt !== null) times.push(this.alarmAt);
    return times.length === 0 ? null : Math.min(...times);
  }

  /** The world's R2, as the runner reads jobs sent by reference. */
  bucketOf(): R2Bucket {
    return this.bucket(this.life);
  }

  /** A new incarnation: memory lost, storage kept. */
  restart(): void {
    this.life = new Life();
    this.inTransaction = false;
  }

  /** Crashes the incarnation now (between actions). */
  crash(kind: string): void {
    this.faults.add(kind);
    this.lastCrash = kind;
    this.crashes++;
    this.life.dead = true;
    this.inline.splice(0);
    this.laters.splice(0);
    this.onCrash();
  }

  private maybeCrash(point: string, rate: number): void {
    const life = this.life;
    life.check(point);
    if (this.crashes >= this.options.maxCrashes || !this.rng.chance(rate)) return;
    this.crash(`crash_${point}`);
    throw new SimCrash(point);
  }

  /** A background write's fate: the n-th time this name is written, does it fail? */
  private fails(name: string): boolean {
    const n = (this.occurrences.get(name) ?? 0) + 1;
    this.occurrences.set(name, n);
    return hashChance(this.rng.seed, `${name}#${n}`, this.options.rates.writeFails);
  }

  /** The host the current incarnation's engine is built with. */
  host(): RunHost {
    const life = this.life;
    return {
      storage: this.fencedStorage(life),
      env: {
        ...this.env,
        BLOBS: this.bucket(life),
        DB: this.database(life),
        NODE_WORK: this.nodeWork(life),
      },
      now: () => this.clock,
      later: (fn, ms) => {
        life.check("later");
        const entry = { at: this.clock + ms, fn };
        this.laters.push(entry);
        return () => {
          const i = this.laters.indexOf(entry);
          if (i >= 0) this.laters.splice(i, 1);
        };
      },
      http: (_owner, config) => {
        life.check("inline fetch");
        return new Promise((resolve, reject) => this.inline.push({ config, resolve, reject }));
      },
    };
  }

  private fencedStorage(life: Life): RunStorage {
    const real = this.storage;
    const sql = {
      exec: (query: string, ...bindings: unknown[]) => {
        life.check("sql");
        if (this.inTransaction && /^\s*(INSERT|UPDATE|DELETE|REPLACE)/i.test(query)) {
          this.maybeCrash("transaction_write", this.options.rates.crashInTransaction);
        }
        return real.sql.exec(query, ...bindings);
      },
      get databaseSize() {
        return real.sql.databaseSize;
      },
    } as unknown as SqlStorage;
    return {
      sql,
      transactionSync: <T>(fn: () => T): T => {
        this.maybeCrash("commit", this.options.rates.crash);
        this.inTransaction = true;
        try {
          return this.options.nonAtomic ? fn() : real.transactionSync(fn);
        } finally {
          this.inTransaction = false;
        }
      },
      getAlarm: async () => {
        life.check("getAlarm");
        return this.alarmAt;
      },
      setAlarm: async (at: number | Date) => {
        this.maybeCrash("alarm_write", this.options.rates.crash);
        this.alarmAt = typeof at === "number" ? at : at.getTime();
      },
      deleteAlarm: async () => {
        this.maybeCrash("alarm_write", this.options.rates.crash);
        this.alarmAt = null;
      },
    };
  }

  private nodeWork(life: Life): Queue {
    const send = (bodies: NodeJob[]) => {
      this.maybeCrash("queue_send", this.options.rates.crash);
      if (this.rng.chance(this.options.rates.sendFails)) {
        this.faults.add("send_failed");
        throw new Error("simulated queue send failure");
      }
      for (const body of bodies) this.queue.push({ id: this.nextMessage++, body });
    };
    return {
      send: async (body: NodeJob) => send([body]),
      sendBatch: async (messages: Iterable<{ body: NodeJob }>) =>
        send([...messages].map((m) => m.body)),
      metrics: async () => {
        life.check("queue");
        return { backlogCount: this.queue.length, backlogBytes: 0 };
      },
    } as unknown as Queue;
  }

  private bucket(life: Life): R2Bucket {
    const object = (key: string, text: string) => ({
      key,
      size: text.length,
      text: async () => text,
      json: async () => JSON.parse(text) as unknown,
      arrayBuffer: async () => new TextEncoder().encode(text).buffer,
      httpMetadata: { contentType: "application/json" },
    });
    return {
      head: async (key: string) => {
        life.check("r2");
        const text = this.r2.get(key);
        return text === undefined ? null : object(key, text);
      },
      get: async (key: string) => {
        life.check("r2");
        const text = this.r2.get(key);
        return text === undefined ? null : object(key, text);
      },
      put: async (key: string, value: string) => {
        life.check("r2");
        // The object may stop in the middle of its outbox flush (a background write).
        if (
          this.crashes < this.options.maxCrashes &&
          hashChance(this.rng.seed, `r2-crash:${key}:${this.crashes}`, this.options.rates.crash)
        ) {
          this.crash("crash_outbox_flush");
          throw new SimCrash("outbox flush");
        }
        if (this.fails(`r2:${key}`)) {
          this.faults.add("r2_write_failed");
          throw new Error("simulated R2 write failure");
        }
        this.r2.set(key, value);
        return object(key, value);
      },
      delete: async (keys: string | string[]) => {
        life.check("r2");
        for (const key of Array.isArray(keys) ? keys : [keys]) this.r2.delete(key);
      },
    } as unknown as R2Bucket;
  }

  /** The real local D1 behind a door that fails some statements (before they run). */
  private database(life: Life): D1Database {
    const db = this.env.DB;
    const gate = (sql: string) => {
      life.check("d1");
      if (this.fails(`d1:${sql.slice(0, 80)}`)) {
        this.faults.add("d1_write_failed");
        throw new Error("D1_ERROR: simulated failure");
      }
    };
    const real = new WeakMap<object, D1PreparedStatement>();
    const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
      const wrapped = {
        bind: (...values: unknown[]) => wrap(stmt.bind(...values), sql),
        first: (column?: string) => {
          gate(sql);
          return column === undefined ? stmt.first() : stmt.first(column);
        },
        run: () => {
          gate(sql);
          return stmt.run();
        },
        all: () => {
          gate(sql);
          return stmt.all();
        },
        raw: (options?: { columnNames?: boolean }) => {
          gate(sql);
          return options?.columnNames ? stmt.raw({ columnNames: true }) : stmt.raw();
        },
      };
      real.set(wrapped, stmt);
      return wrapped as unknown as D1PreparedStatement;
    };
    return {
      prepare: (sql: string) => wrap(db.prepare(sql), sql),
      batch: (statements: D1PreparedStatement[]) => {
        gate(`batch:${statements.length}`);
        return db.batch(statements.map((s) => real.get(s) ?? s));
      },
      exec: (sql: string) => {
        gate(sql);
        return db.exec(sql);
      },
    } as unknown as D1Database;
  }
}
