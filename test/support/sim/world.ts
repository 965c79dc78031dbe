/**
 * The simulated world run engines live in (durable-objects/run/host.ts): a root run's object
 * and, from generation 6, its child runs' objects (`SimObject`), each with its own real SQLite
 * (workerd's), alarm and incarnation; the clock, the node-work queue, R2 and the calls between
 * objects (the `RUNS` namespace) are the world's; D1 is the real local one behind a door that
 * can fail. Every fault is the world's choice, from one seeded generator for what the
 * simulation does in order, and from `hashChance` for background writes and for everything a
 * child object meets (its work interleaves with its siblings' on real I/O, so its choices are
 * named, not drawn in turn).
 *
 * A crash ends an incarnation: everything it reaches afterwards throws `SimCrash` (a dead
 * object's code runs no more), its deferred work and inline fetches are forgotten, and the next
 * incarnation is built over the same storage, as a restarted Durable Object is.
 */

import type { GraphSize } from "../../../core/patches";
import type { NodeJob } from "../../../core/wire/node-job";
import { readArchive } from "../../../durable-objects/run/archive";
import type { ChildEnded, TreeReserved } from "../../../durable-objects/run/child-runs";
import { ChildBook } from "../../../durable-objects/run/children";
import type { CreateRun } from "../../../durable-objects/run/engine";
import type { RunHost, RunStorage } from "../../../durable-objects/run/host";
import { type OpenedRun, openRun } from "../../../durable-objects/run/open";
import type { RunRpc } from "../../../durable-objects/run/rpc";
import { type RunView, snapshot } from "../../../durable-objects/run/snapshot";
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
  /** Per call between run objects (generation 6): it never reaches the other object. */
  rpcFails: number;
  /** Per call between run objects: the other object took it, but its answer is lost. */
  rpcAnswerLost: number;
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
  rpcFails: 0,
  rpcAnswerLost: 0,
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
  rpcFails: 0.08,
  rpcAnswerLost: 0.08,
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
  /** Resolves when this incarnation crashes (an action in flight stops there). */
  readonly crashed: Promise<void>;
  private signal: () => void = () => {};
  constructor() {
    this.crashed = new Promise((resolve) => {
      this.signal = resolve;
    });
  }
  end(): void {
    this.dead = true;
    this.signal();
  }
  check(point: string): void {
    if (this.dead) throw new SimCrash(`${point} (after a crash)`);
  }
}

/**
 * Runs `fn` in the context of the test pool's object `slot`, with its storage. A Durable
 * Object's storage is reachable only from its own object's context, so every simulated object
 * lives in one slot object of the pool and is only ever entered there.
 */
export type Enter = <T>(
  slot: string,
  fn: (storage: DurableObjectStorage) => Promise<T>,
) => Promise<T>;

export interface WorldOptions {
  rates: FaultRates;
  /** At most this many crashes per case. */
  maxCrashes: number;
  /**
   * A planted bug for the simulator's own test: the storage transaction is not atomic (writes
   * before a failure inside it stay), so a crash mid-step leaves half a step behind.
   */
  nonAtomic?: boolean;
  /** The root's slot and how to enter a slot: where child objects live (generation 6). */
  slots?: { root: string; enter: Enter };
}

/** The RPC methods the engine calls on other runs (child-runs.ts), as a RunObject answers them. */
type Called = Pick<RunRpc, "create" | "cancel" | "childEnded" | "reserveInTree" | "get">;

export class World {
  readonly start = Date.UTC(2026, 0, 1);
  clock = this.start;
  readonly queue: Message[] = [];
  readonly r2 = new Map<string, string>();
  readonly faults = new FaultCounts();
  crashes = 0;
  readonly root: SimObject;
  /** Calls made between objects so far: the simulation settles until no new one starts. */
  calls = 0;
  /** Wakes of crashed objects that calls made (the simulation adds them to its trace). */
  readonly log: string[] = [];
  /** Runs created per object (a second create of one run changes nothing). */
  readonly created = new Map<string, number>();
  private readonly others = new Map<string, SimObject>();
  private nextMessage = 1;
  private readonly occurrences = new Map<string, number>();

  constructor(
    readonly rng: Rng,
    rootRunId: string,
    storage: DurableObjectStorage,
    readonly env: Env,
    readonly options: WorldOptions,
  ) {
    this.root = new SimObject(this, rootRunId, "root", null, storage);
  }

  /** The objects other than the root (child runs), in the order of their labels. */
  children(): SimObject[] {
    return [...this.others.values()].sort((a, b) => (a.label < b.label ? -1 : 1));
  }

  /** The object a run lives in, if the world has one. */
  objectOf(runId: string): SimObject | undefined {
    return runId === this.root.name ? this.root : this.others.get(runId);
  }

  /** The next time something is due: an alarm or deferred work, in any object. */
  nextDue(): number | null {
    const times: number[] = [];
    for (const o of [this.root, ...this.others.values()]) {
      for (const l of o.laters) times.push(l.at);
      if (o.alarmAt !== null) times.push(o.alarmAt);
    }
    return times.length === 0 ? null : Math.min(...times);
  }

  /** The world's R2, as the runner reads jobs sent by reference. */
  bucketOf(): R2Bucket {
    return this.root.bucketOf();
  }

  /** A background write's fate: the n-th time this name is written, does it fail? */
  fails(name: string): boolean {
    return this.named(name, this.options.rates.writeFails);
  }

  /** A choice by name: the n-th time this name is asked, with probability p. */
  named(name: string, p: number): boolean {
    const n = (this.occurrences.get(name) ?? 0) + 1;
    this.occurrences.set(name, n);
    return hashChance(this.rng.seed, `${name}#${n}`, p);
  }

  push(body: NodeJob): void {
    this.queue.push({ id: this.nextMessage++, body });
  }

  /** The `RUNS` namespace as the engine of `from` reaches other runs (`runObject` in rpc.ts). */
  namespace(from: SimObject): Env["RUNS"] {
    const stub = (target: string): Called => ({
      create: (init: CreateRun) =>
        this.call(from, target, "create", async (o) => {
          const before = o.opened.engine.loaded;
          await o.opened.engine.create(init);
          if (!before && o.opened.engine.loaded) {
            this.created.set(target, (this.created.get(target) ?? 0) + 1);
          }
          return o.view()!;
        }),
      cancel: (reason?: string) =>
        this.call(from, target, "cancel", async (o) => {
          if (!o.opened.engine.loaded) return null;
          await o.opened.engine.cancel(reason);
          return o.view();
        }),
      childEnded: (notice: ChildEnded) =>
        this.call(from, target, "childEnded", (o) => o.opened.engine.childEnded(notice)),
      reserveInTree: (childRunId: string, size: GraphSize) =>
        this.call(
          from,
          target,
          "reserveInTree",
          async (o): Promise<TreeReserved> => o.opened.engine.reserveInTree(childRunId, size),
        ),
      get: () =>
        this.call(
          from,
          target,
          "get",
          async (o) => o.view() ?? readArchive(o.store())?.view ?? null,
        ),
    });
    return {
      idFromName: (name: string) => ({ name }),
      get: (id: { name: string }) => stub(id.name),
    } as unknown as Env["RUNS"];
  }

  /**
   * A call from one object to another, as the platform makes it: it may not arrive
   * (`rpc_failed`), the callee may crash in it (the caller sees an error and the callee's next
   * call wakes a new incarnation), or its answer may be lost after the callee took it
   * (`rpc_answer_lost`). The callee runs in its own object's context.
   */
  private async call<T>(
    from: SimObject,
    target: string,
    method: string,
    invoke: (o: SimObject) => Promise<T>,
  ): Promise<T> {
    from.life().check(`call ${method}`);
    this.calls++;
    const callee = this.objectOf(target) ?? this.adopt(target);
    const { rates } = this.options;
    if (this.named(`rpc:${callee.label}:${method}`, rates.rpcFails)) {
      this.faults.add("rpc_failed");
      this.log.push(`  rpc_failed: ${method} to ${callee.label}`);
      throw new Error(`simulated RPC failure: ${method} never reached ${callee.label}`);
    }
    const outcome = await callee.enter(async () => {
      if (await callee.revive()) {
        this.log.push(`  ${callee.label}: ${callee.lastCrash}; restart ${this.crashes} (called)`);
      }
      const life = callee.life();
      return Promise.race([
        invoke(callee).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
        life.crashed.then(() => ({ error: new SimCrash(`${callee.label} in ${method}`) })),
      ]);
    });
    if ("error" in outcome) {
      if (outcome.error instanceof SimCrash) {
        this.log.push(`  ${callee.label} crashed in ${method}`);
        throw new Error(`simulated: ${callee.label} crashed in ${method}`);
      }
      throw outcome.error;
    }
    if (this.named(`rpc-answer:${callee.label}:${method}`, rates.rpcAnswerLost)) {
      this.faults.add("rpc_answer_lost");
      this.log.push(`  rpc_answer_lost: ${method} to ${callee.label}`);
      throw new Error(`simulated RPC failure: the answer of ${callee.label} to ${method} was lost`);
    }
    return outcome.value;
  }

  /**
   * A new object for run `runId`, in the next free slot. Its label is the child's place in the
   * root (`node#attempt`, `node#attempt[index.try]`), read from the root's children: the callers
   * of a new object are the root's engine, in the root's context.
   */
  private adopt(runId: string): SimObject {
    const slots = this.options.slots;
    if (!slots) throw new Error(`no slots for object ${runId}: child runs need generation 6`);
    const child = new ChildBook(this.root.storage.sql).all().find((c) => c.childRunId === runId);
    const label = child
      ? `${child.nodeId}#${child.attempt}${child.item ? `[${child.item.index}.${child.item.attempt}]` : ""}`
      : `unnamed-${this.others.size}`;
    const o = new SimObject(this, runId, label, `${slots.root}-child-${this.others.size}`);
    this.others.set(runId, o);
    return o;
  }
}

/** A simulated Durable Object: its storage, alarm, deferred work and incarnations. */
export class SimObject {
  alarmAt: number | null = null;
  readonly inline: InlineCall[] = [];
  readonly laters: Later[] = [];
  lastCrash = "";
  opened!: OpenedRun;
  private current = new Life();
  private inTransaction = false;
  /**
   * Reached since the simulation last settled it (a call, an action): an object nothing
   * reached has no work of its own in flight, so it is not entered to settle.
   */
  unsettled = true;

  constructor(
    private readonly world: World,
    readonly name: string,
    readonly label: string,
    /** The pool slot it lives in; null for the root, whose context the simulation runs in. */
    private readonly slot: string | null,
    private real?: DurableObjectStorage,
  ) {
    if (real) this.opened = openRun(this.host());
  }

  get storage(): DurableObjectStorage {
    return this.real!;
  }

  life(): Life {
    return this.current;
  }

  /** Resolves when the current incarnation crashes. */
  crashSignal(): Promise<void> {
    return this.current.crashed;
  }

  /** Whether the current incarnation crashed (and the object must restart). */
  dead(): boolean {
    return this.current.dead;
  }

  store() {
    return this.opened.store;
  }

  /** The run as `get` answers it. */
  view(): RunView | null {
    return snapshot(this.opened.engine, this.opened.store, this.opened.approvals);
  }

  /**
   * Runs `fn` in this object's context. A child's first entry empties its slot (a slot serves
   * one object per case) and builds its first incarnation. An entry that `reaches` it (a call,
   * an action: not the simulation settling it) marks it to settle (and check) again.
   */
  enter<T>(fn: () => Promise<T>, reaches = true): Promise<T> {
    const slots = this.world.options.slots;
    const slot = this.slot ?? slots?.root;
    if (!slots || !slot) return fn();
    return slots.enter(slot, async (storage) => {
      if (!this.real) {
        await storage.deleteAll();
        this.real = storage;
        this.opened = openRun(this.host());
      }
      try {
        return await fn();
      } finally {
        // What it started may still run: the simulation settles and checks it.
        if (reaches) this.unsettled = true;
      }
    });
  }

  /** A dead object's next incarnation, woken as a restarted Durable Object is. */
  async revive(): Promise<boolean> {
    if (!this.dead()) return false;
    this.restart();
    this.opened = openRun(this.host());
    await Promise.race([this.opened.engine.wake().catch(() => undefined), this.crashSignal()]);
    return true;
  }

  /** The world's R2, as the runner reads jobs sent by reference. */
  bucketOf(): R2Bucket {
    return this.bucket(this.current);
  }

  /** A new incarnation: memory lost, storage kept. */
  restart(): void {
    this.current = new Life();
    this.inTransaction = false;
  }

  /** Crashes the incarnation now (between actions). */
  crash(kind: string): void {
    this.world.faults.add(kind);
    this.lastCrash = kind;
    this.world.crashes++;
    this.inline.splice(0);
    this.laters.splice(0);
    this.current.end();
  }

  /**
   * A fault's coin: the root draws it in turn from the case's generator (what older seeds
   * replay), a child by name, since its work interleaves with its siblings' on real I/O.
   */
  private coin(what: string, p: number): boolean {
    return this.slot === null
      ? this.world.rng.chance(p)
      : this.world.named(`${this.label}:${what}`, p);
  }

  private maybeCrash(point: string, rate: number): void {
    const life = this.current;
    life.check(point);
    if (this.world.crashes >= this.world.options.maxCrashes || !this.coin(point, rate)) return;
    this.crash(`crash_${point}`);
    throw new SimCrash(point);
  }

  /** The host the current incarnation's engine is built with. */
  host(): RunHost {
    const life = this.current;
    const world = this.world;
    return {
      storage: this.fencedStorage(life),
      env: {
        ...world.env,
        BLOBS: this.bucket(life),
        DB: this.database(life),
        NODE_WORK: this.nodeWork(life),
        RUNS: world.namespace(this),
      },
      now: () => world.clock,
      later: (fn, ms) => {
        life.check("later");
        const entry = { at: world.clock + ms, fn };
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
    const options = this.world.options;
    const real = () => this.real!;
    const sql = {
      exec: (query: string, ...bindings: unknown[]) => {
        life.check("sql");
        if (this.inTransaction && /^\s*(INSERT|UPDATE|DELETE|REPLACE)/i.test(query)) {
          this.maybeCrash("transaction_write", options.rates.crashInTransaction);
        }
        return real().sql.exec(query, ...bindings);
      },
      get databaseSize() {
        return real().sql.databaseSize;
      },
    } as unknown as SqlStorage;
    return {
      sql,
      transactionSync: <T>(fn: () => T): T => {
        this.maybeCrash("commit", options.rates.crash);
        this.inTransaction = true;
        try {
          return options.nonAtomic ? fn() : real().transactionSync(fn);
        } finally {
          this.inTransaction = false;
        }
      },
      getAlarm: async () => {
        life.check("getAlarm");
        return this.alarmAt;
      },
      setAlarm: async (at: number | Date) => {
        this.maybeCrash("alarm_write", options.rates.crash);
        this.alarmAt = typeof at === "number" ? at : at.getTime();
      },
      deleteAlarm: async () => {
        this.maybeCrash("alarm_write", options.rates.crash);
        this.alarmAt = null;
      },
    };
  }

  private nodeWork(life: Life): Queue {
    const send = (bodies: NodeJob[]) => {
      this.maybeCrash("queue_send", this.world.options.rates.crash);
      if (this.coin("send", this.world.options.rates.sendFails)) {
        this.world.faults.add("send_failed");
        throw new Error("simulated queue send failure");
      }
      for (const body of bodies) this.world.push(body);
    };
    return {
      send: async (body: NodeJob) => send([body]),
      sendBatch: async (messages: Iterable<{ body: NodeJob }>) =>
        send([...messages].map((m) => m.body)),
      metrics: async () => {
        life.check("queue");
        return { backlogCount: this.world.queue.length, backlogBytes: 0 };
      },
    } as unknown as Queue;
  }

  private bucket(life: Life): R2Bucket {
    const world = this.world;
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
        const text = world.r2.get(key);
        return text === undefined ? null : object(key, text);
      },
      get: async (key: string) => {
        life.check("r2");
        const text = world.r2.get(key);
        return text === undefined ? null : object(key, text);
      },
      put: async (key: string, value: string) => {
        life.check("r2");
        // The object may stop in the middle of its outbox flush (a background write).
        const where = this.slot === null ? "" : `${this.label}:`;
        if (
          world.crashes < world.options.maxCrashes &&
          hashChance(
            world.rng.seed,
            `r2-crash:${where}${key}:${world.crashes}`,
            world.options.rates.crash,
          )
        ) {
          this.crash("crash_outbox_flush");
          throw new SimCrash("outbox flush");
        }
        if (world.fails(`r2:${key}`)) {
          world.faults.add("r2_write_failed");
          throw new Error("simulated R2 write failure");
        }
        world.r2.set(key, value);
        return object(key, value);
      },
      delete: async (keys: string | string[]) => {
        life.check("r2");
        for (const key of Array.isArray(keys) ? keys : [keys]) world.r2.delete(key);
      },
    } as unknown as R2Bucket;
  }

  /** The real local D1 behind a door that fails some statements (before they run). */
  private database(life: Life): D1Database {
    const world = this.world;
    const db = world.env.DB;
    const gate = (sql: string) => {
      life.check("d1");
      if (world.fails(`d1:${sql.slice(0, 80)}`)) {
        world.faults.add("d1_write_failed");
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
