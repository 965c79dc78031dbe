/**
 * The side effects after a step, none of which holds the pump: the alarm kept at or before the
 * earliest timer, the R2 outbox flushed in the background, and the D1 projection (projection.ts)
 * chained in order, with the approvals and patches whose rows it must write (and the waits for
 * events whose own attempt could not write theirs).
 */

import { utf8Length } from "../../core/limits/output";
import { TERMINAL_RUN } from "../../core/scheduler";
import { holdBlobs } from "../../db/blobs";
import { registerWait } from "../../db/event-waits";
import { putBlob } from "../../platform/cas";
import { jsonBlob } from "../../platform/output-refs";
import type { ApprovalBook } from "./approvals";
import type { ParentLink } from "./child-runs";
import type { ChildBook, Notice } from "./children";
import type { Loaded } from "./context";
import type { EventBook } from "./event-book";
import type { RunStorage } from "./host";
import { type NotificationBook, Notifier } from "./notifications";
import type { PatchBook } from "./patches";
import { projectApprovals, projectPatches, projectRun } from "./projection";
import type { RunStore, StoredEvent } from "./store";
import type { TraceExport } from "./trace-export";
import type { UsageLedger } from "./usage";

/** A background write (outbox, projection) that failed is tried again by the alarm after this long (ms), doubling... */
const RETRY_FIRST_MS = 1_000;
/** ...up to this. */
const RETRY_MAX_MS = 60_000;
/** Where the run status D1 last took is kept, so a wake knows whether D1 is behind. */
const PROJECTED = "projected";

/** A busy run's outbox is written to R2 after this long without a step (ms)... */
const BLOB_QUIET_MS = 25;
/** ...or as soon as this many blobs wait. */
const BLOB_BATCH = 128;

/** What the engine lends this module. */
export interface EffectsHost {
  storage: RunStorage;
  env: Env;
  now(): number;
  later(fn: () => void, ms: number): () => void;
  store: RunStore;
  approvals: ApprovalBook;
  patches: PatchBook;
  usage: UsageLedger;
  /** Notices owed to other runs (children.ts), and how one is sent (child-runs.ts). */
  children: ChildBook;
  notify(notice: Notice): Promise<void>;
  /** The run this one is a child of (the inbox's context). */
  parent(): ParentLink | undefined;
  /** Waits for events, whose D1 rows the projection writes when their own attempt could not. */
  events: EventBook;
  /** Notifications owed to people (notifications.ts), and how events reach subscribers. */
  notifications: NotificationBook;
  /** The run's trace, owed once it ended (trace-export.ts). */
  traces: TraceExport;
  emit(events: StoredEvent[]): void;
  run(): Loaded;
}

export class StepEffects {
  private alarmAt: number | null = null;
  private flushing: Promise<void> | null = null;
  /** The notices being sent (flushNotices). */
  private notifying: Promise<void> | null = null;
  /** The pending quiet-period flush (flushBlobs). */
  private quiet: (() => void) | null = null;
  private projecting: Promise<void> = Promise.resolve();
  /** The last projection promise seen settled (inFlight). */
  private settledProjection: Promise<void> = this.projecting;
  /** Approvals (node:attempt) whose D1 row must be written. */
  private readonly approvalsDirty = new Set<string>();
  /** Patches whose D1 row must be written. */
  private readonly patchesDirty = new Set<number>();
  /** Whether a wait for an event parked without its D1 row (event-waits.ts). */
  private waitsUnregistered: boolean;
  /** When the alarm tries failed background writes again, and the wait after that. */
  private retryAt: number | null = null;
  private retryDelay = RETRY_FIRST_MS;
  /** The run status D1 holds, as far as this object knows. */
  private projectedStatus: string | null;
  /** Sends the notifications owed to people. */
  private readonly people: Notifier;

  /**
   * `status`: the stored run status on a wake. D1 holds what the last successful projection
   * wrote (kept in storage); a run from before that record was kept counts as projected.
   */
  constructor(
    private readonly host: EffectsHost,
    status: string | null,
  ) {
    this.projectedStatus = host.store.getMeta<string>(PROJECTED) ?? status;
    this.people = new Notifier({
      storage: host.storage,
      env: host.env,
      now: host.now,
      store: host.store,
      book: host.notifications,
      request: (nodeId, attempt) => host.approvals.get(nodeId, attempt),
      run: host.run,
      emit: host.emit,
      retryLater: () => this.retryLater(),
    });
    this.waitsUnregistered = status !== null && host.events.unregistered().length > 0;
  }

  /** A new run (inside its create transaction): the API wrote its D1 row with this status. */
  created(status: string): void {
    this.host.store.setMeta(PROJECTED, status);
    this.projectedStatus = status;
  }

  /** The alarm fired, so none is set until the next `syncAlarm`; a due retry is taken now. */
  alarmFired(): void {
    this.alarmAt = null;
    if (this.retryAt !== null && this.retryAt <= this.host.now()) this.retryAt = null;
  }

  /**
   * Whether a background write is owed: blobs not yet in R2, a status D1 does not have, a
   * notice another run has not taken, a notification or the ended run's trace.
   */
  owed(): boolean {
    const run = this.host.run();
    return (
      this.host.store.pendingBlobCount() > 0 ||
      run.state.status !== this.projectedStatus ||
      this.host.children.owed().length > 0 ||
      this.people.owed() ||
      this.host.traces.owed() ||
      this.waitsUnregistered
    );
  }

  /**
   * Sends the notices owed to other runs (a child's end, a cancel), oldest first, each removed
   * once the other run took it; one that fails stays and the alarm tries again. Then the
   * notifications owed to people (notifications.ts) and the ended run's trace
   * (trace-export.ts), in the background too.
   */
  flushNotices(): void {
    this.people.flush();
    this.host.traces.flush();
    if (this.notifying) return;
    const { children, storage } = this.host;
    if (children.owed().length === 0) return;
    this.notifying = (async () => {
      for (const notice of children.owed()) {
        await this.host.notify(notice);
        storage.transactionSync(() => children.paid(notice.id));
      }
    })()
      .catch((err: unknown) => {
        console.error(JSON.stringify({ at: "notice", error: String(err) }));
        this.retryLater();
      })
      .finally(() => {
        this.notifying = null;
      });
  }

  /** A background write failed: the alarm tries again later (and at once on a wake). */
  retryLater(): void {
    if (this.retryAt === null) {
      this.retryAt = this.host.now() + this.retryDelay;
      this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
    }
    this.syncAlarm().catch((err: unknown) =>
      console.error(JSON.stringify({ at: "alarm", error: String(err) })),
    );
  }

  /** An approval request changed: its D1 row is written with the next projection. */
  approvalChanged(nodeId: string, attempt: number): void {
    this.approvalsDirty.add(`${nodeId}:${attempt}`);
  }

  /** A wait for an event parked without its D1 row: the next projection writes it. */
  waitUnregistered(): void {
    this.waitsUnregistered = true;
  }

  /** A patch changed: its D1 row is written with the next projection. */
  patchChanged(id: number): void {
    this.patchesDirty.add(id);
  }

  /** Makes sure the alarm fires no later than `at` (a wake's recovery). */
  async armBy(at: number): Promise<void> {
    const current = await this.host.storage.getAlarm();
    if (current !== null && current <= at) {
      this.alarmAt = current;
      return;
    }
    this.alarmAt = at;
    await this.host.storage.setAlarm(at);
  }

  /**
   * Keeps the alarm at or before the earliest timer. An alarm that is already earlier stays: it
   * finds nothing due and re-arms. So a chain of queued nodes, whose leases each end later than
   * the last, writes the alarm once per lease period rather than on every hop.
   */
  async syncAlarm(): Promise<void> {
    const timer = this.host.store.nextTimerAt();
    const next =
      this.retryAt === null ? timer : timer === null ? this.retryAt : Math.min(timer, this.retryAt);
    if (next === this.alarmAt) return;
    if (next !== null && this.alarmAt !== null && this.alarmAt <= next) return;
    this.alarmAt = next;
    if (next === null) await this.host.storage.deleteAlarm();
    else await this.host.storage.setAlarm(next);
  }

  /**
   * Writes outbox blobs to R2 in the background, and records them as the tenant's in D1. SQLite
   * holds every inline output and the outbox keeps a blob until both are written, so R2 is a copy and its writes stay off the hops of a busy run: they
   * start once the run has been quiet for BLOB_QUIET_MS, or when BLOB_BATCH blobs wait, and at
   * once with `now` (the run ended or waits, an alarm, a wake). Locally each put cost about 2 ms
   * on the next hop (docs/BENCHMARKS.md).
   */
  flushBlobs(now = false): void {
    this.quiet?.();
    this.quiet = null;
    if (now || this.host.store.pendingBlobCount() >= BLOB_BATCH) {
      this.writeBlobs();
      return;
    }
    this.quiet = this.host.later(() => {
      this.quiet = null;
      this.writeBlobs();
    }, BLOB_QUIET_MS);
  }

  /** Cancels the pending quiet-period flush (the run is being deleted). */
  stop(): void {
    this.quiet?.();
    this.quiet = null;
  }

  private writeBlobs(): void {
    if (this.flushing) return;
    const { env, store } = this.host;
    this.flushing = (async () => {
      for (;;) {
        const batch = store.pendingBlobs(32);
        if (batch.length === 0) return;
        // Held first, so a deletion of the same content elsewhere keeps it (docs/LIFECYCLE.md).
        await this.grant(batch);
        await Promise.all(batch.map(({ hash, json }) => putBlob(env.BLOBS, hash, json)));
        for (const { hash } of batch) store.blobWritten(hash);
      }
    })()
      .catch((err: unknown) => {
        console.error(JSON.stringify({ at: "cas", error: String(err) }));
        this.retryLater();
      })
      .finally(() => {
        this.flushing = null;
      });
  }

  /**
   * Records the run's hold on blobs about to be written, so `GET /api/blobs/{hash}` serves them
   * while the run runs and deleting another run keeps them. Should D1 refuse, the flush fails
   * and is tried again (retryLater): the outbox keeps them until both are done.
   */
  private async grant(batch: { hash: string; json: string }[]): Promise<void> {
    const { tenantId, runId } = this.host.run().meta;
    const at = this.host.now();
    await holdBlobs(
      this.host.env.DB,
      batch.map(({ hash, json }) => jsonBlob({ tenantId, runId }, hash, utf8Length(json), at)),
    );
  }

  /** After a pump pass: projects when the run finished, its status moved or a row is dirty. */
  projectIfChanged(finished: boolean): void {
    const run = this.host.run();
    if (
      finished ||
      run.state.status !== this.projectedStatus ||
      this.approvalsDirty.size > 0 ||
      this.patchesDirty.size > 0 ||
      this.waitsUnregistered
    ) {
      this.projectInBackground();
    }
  }

  /** D1 writes never hold the pump: they are chained in the background, in order. */
  projectInBackground(): void {
    const { env, store, approvals: book, patches: patchBook, usage } = this.host;
    const run = this.host.run();
    const approvals = [...this.approvalsDirty];
    this.approvalsDirty.clear();
    const patches = [...this.patchesDirty];
    this.patchesDirty.clear();
    const waits = this.waitsUnregistered;
    this.waitsUnregistered = false;
    const status = run.state.status;
    this.projecting = this.projecting.then(async () => {
      try {
        await projectRun(env.DB, {
          meta: run.meta,
          state: run.state,
          store,
          usage: {
            spent: usage.spent(),
            of: (nodeId, attempt) => usage.of(nodeId, attempt),
            all: () => usage.all(),
          },
        });
        await projectApprovals(env.DB, run.meta, book, approvals, this.host.parent());
        await projectPatches(env.DB, run.meta, patchBook, patches);
        if (waits) await this.registerWaits();
        if (this.projectedStatus !== status) store.setMeta(PROJECTED, status);
        this.projectedStatus = status;
        this.retryDelay = RETRY_FIRST_MS;
      } catch (err) {
        console.error(
          JSON.stringify({ at: "projection", runId: run.meta.runId, error: String(err) }),
        );
        // Nothing is dropped: the rows are written with the next projection, which the alarm
        // starts if nothing else does.
        for (const a of approvals) this.approvalsDirty.add(a);
        for (const p of patches) this.patchesDirty.add(p);
        if (waits) this.waitsUnregistered = true;
        this.retryLater();
      }
    });
  }

  /**
   * Writes the D1 rows of waits that parked without them (D1 refused their own attempt), so
   * events sent by name find them; a wait no longer waiting, or of an ended run, needs none.
   */
  private async registerWaits(): Promise<void> {
    const { env, events, storage } = this.host;
    const run = this.host.run();
    if (TERMINAL_RUN.has(run.state.status)) return;
    const { tenantId, runId } = run.meta;
    for (const wait of events.unregistered()) {
      const st = run.state.nodes[wait.nodeId];
      if (st?.status === "running" && st.attempt === wait.attempt) {
        // Not parked yet: its park is a step, whose projection comes back for it.
        this.waitsUnregistered = true;
        continue;
      }
      if (st?.status === "waiting" && st.waitReason === "event" && st.attempt === wait.attempt) {
        const { nodeId, attempt, name, key, expiresAt } = wait;
        const row = { tenantId, runId, nodeId, attempt, name, key, expiresAt };
        await registerWait(env.DB, row, this.host.now());
      }
      storage.transactionSync(() => events.registered(wait.nodeId, wait.attempt));
    }
  }

  /** Waits for the D1 projection written so far (tests and shutdown). */
  projected(): Promise<void> {
    return this.projecting;
  }

  /**
   * Projects now and resolves once written: for answers a list read next must agree with (a
   * decision and the inbox, a cancel and the run list). A failed write is retried as any is.
   */
  projectNow(): Promise<void> {
    this.projectInBackground();
    return this.projecting;
  }

  /**
   * The background writes in flight (outbox flush, projection, notices, the trace's export),
   * or null when there are none.
   */
  inFlight(): Promise<void> | null {
    const exporting = this.host.traces.inFlight();
    if (
      !this.flushing &&
      !this.notifying &&
      !exporting &&
      this.projecting === this.settledProjection
    ) {
      return null;
    }
    const projecting = this.projecting;
    return Promise.all([this.flushing, this.notifying, exporting, projecting]).then(() => {
      if (this.projecting === projecting) this.settledProjection = projecting;
    });
  }
}
