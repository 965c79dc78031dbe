/**
 * The side effects after a step, none of which holds the pump: the alarm kept at or before the
 * earliest timer, the R2 outbox flushed in the background, and the D1 projection (projection.ts)
 * chained in order, with the approvals and patches whose rows it must write.
 */

import { utf8Length } from "../../core/limits/output";
import { recordBlobs } from "../../db/blobs";
import { putBlob } from "../../platform/cas";
import { jsonBlob } from "../../platform/output-refs";
import type { ApprovalBook } from "./approvals";
import type { Loaded } from "./context";
import type { PatchBook } from "./patches";
import { projectApprovals, projectPatches, projectRun } from "./projection";
import type { RunStore } from "./store";
import type { UsageLedger } from "./usage";

/** A busy run's outbox is written to R2 after this long without a step (ms)... */
const BLOB_QUIET_MS = 25;
/** ...or as soon as this many blobs wait. */
const BLOB_BATCH = 128;

/** What the engine lends this module. */
export interface EffectsHost {
  storage: DurableObjectStorage;
  env: Env;
  store: RunStore;
  approvals: ApprovalBook;
  patches: PatchBook;
  usage: UsageLedger;
  run(): Loaded;
}

export class StepEffects {
  private alarmAt: number | null = null;
  private flushing: Promise<void> | null = null;
  /** The pending quiet-period flush (flushBlobs). */
  private quiet: ReturnType<typeof setTimeout> | null = null;
  private projecting: Promise<void> = Promise.resolve();
  /** Approvals (node:attempt) whose D1 row must be written. */
  private readonly approvalsDirty = new Set<string>();
  /** Patches whose D1 row must be written. */
  private readonly patchesDirty = new Set<number>();

  /** `projectedStatus`: the run status D1 already holds (the stored status on wake). */
  constructor(
    private readonly host: EffectsHost,
    private projectedStatus: string | null,
  ) {}

  /** The alarm fired, so none is set until the next `syncAlarm`. */
  alarmFired(): void {
    this.alarmAt = null;
  }

  /** An approval request changed: its D1 row is written with the next projection. */
  approvalChanged(nodeId: string, attempt: number): void {
    this.approvalsDirty.add(`${nodeId}:${attempt}`);
  }

  /** A patch changed: its D1 row is written with the next projection. */
  patchChanged(id: number): void {
    this.patchesDirty.add(id);
  }

  /**
   * Keeps the alarm at or before the earliest timer. An alarm that is already earlier stays: it
   * finds nothing due and re-arms. So a chain of queued nodes, whose leases each end later than
   * the last, writes the alarm once per lease period rather than on every hop.
   */
  async syncAlarm(): Promise<void> {
    const next = this.host.store.nextTimerAt();
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
    if (this.quiet) clearTimeout(this.quiet);
    this.quiet = null;
    if (now || this.host.store.pendingBlobCount() >= BLOB_BATCH) {
      this.writeBlobs();
      return;
    }
    this.quiet = setTimeout(() => {
      this.quiet = null;
      this.writeBlobs();
    }, BLOB_QUIET_MS);
  }

  private writeBlobs(): void {
    if (this.flushing) return;
    const { env, store } = this.host;
    this.flushing = (async () => {
      for (;;) {
        const batch = store.pendingBlobs(32);
        if (batch.length === 0) return;
        await Promise.all(batch.map(({ hash, json }) => putBlob(env.BLOBS, hash, json)));
        for (const { hash } of batch) store.blobWritten(hash);
        await this.grant(batch);
      }
    })()
      .catch((err: unknown) => console.error(JSON.stringify({ at: "cas", error: String(err) })))
      .finally(() => {
        this.flushing = null;
      });
  }

  /**
   * Records written blobs as the tenant's, so `GET /api/blobs/{hash}` serves them while the run
   * runs. Best effort: should D1 refuse, the run's projection grants them when it ends.
   */
  private async grant(batch: { hash: string; json: string }[]): Promise<void> {
    const { tenantId, runId } = this.host.run().meta;
    const at = Date.now();
    try {
      await recordBlobs(
        this.host.env.DB,
        batch.map(({ hash, json }) => jsonBlob({ tenantId, runId }, hash, utf8Length(json), at)),
      );
    } catch (err) {
      console.error(JSON.stringify({ at: "blobs", runId, error: String(err) }));
    }
  }

  /** After a pump pass: projects when the run finished, its status moved or a row is dirty. */
  projectIfChanged(finished: boolean): void {
    const run = this.host.run();
    if (
      finished ||
      run.state.status !== this.projectedStatus ||
      this.approvalsDirty.size > 0 ||
      this.patchesDirty.size > 0
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
    const status = run.state.status;
    this.projecting = this.projecting.then(async () => {
      try {
        await projectRun(env.DB, {
          meta: run.meta,
          state: run.state,
          store,
          usage: { spent: usage.spent(), of: (nodeId, attempt) => usage.of(nodeId, attempt) },
        });
        await projectApprovals(env.DB, run.meta, book, approvals);
        await projectPatches(env.DB, run.meta, patchBook, patches);
        this.projectedStatus = status;
      } catch (err) {
        console.error(
          JSON.stringify({ at: "projection", runId: run.meta.runId, error: String(err) }),
        );
      }
    });
  }

  /** Waits for the D1 projection written so far (tests and shutdown). */
  projected(): Promise<void> {
    return this.projecting;
  }
}
