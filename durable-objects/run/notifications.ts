/**
 * Notifications a run owes people (docs/PEOPLE.md, "Notifications"): an approval or budget
 * hold asks its assignees through the tenant's channels, an escalation asks its second group.
 * Owed in the run's SQLite in the transaction that opens the request (an outbox), sent in the
 * background one channel at a time, each tried again with backoff (1, 2, 4, 8 s) up to
 * MAX_TRIES; each outcome is a run event (`notification_sent` / `notification_failed`).
 */

import type { Approvers } from "../../core/kinds/approval";
import type { ApprovalRequest } from "../../core/wire/run-view";
import {
  type ApprovalAsk,
  channelsFor,
  type Delivery,
  sendNotification,
  sendRunFailed,
} from "../../platform/notify";
import type { Loaded } from "./context";
import type { RunStorage } from "./host";
import type { RunStore, StoredEvent } from "./store";

/** Sends to one channel at most this many times. */
export const MAX_TRIES = 5;
const FIRST_BACKOFF_MS = 1_000;

/** 0: the request itself; 1: its escalation; 2: the run failed (node '', attempt 0). */
export type Stage = 0 | 1 | 2;

interface Owed {
  nodeId: string;
  attempt: number;
  stage: Stage;
  /** '' until the channels are chosen (read from D1 when it is first sent). */
  channel: string;
  tries: number;
  nextAt: number;
}

/** The notifications owed, in the run's SQLite (`notifications`). */
export class NotificationBook {
  constructor(private readonly sql: SqlStorage) {}

  /** Owes the notification of a request (inside the transaction that opens it). */
  owe(nodeId: string, attempt: number, stage: Stage, now: number): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO notifications (node_id, attempt, stage, channel, tries, next_at, status) VALUES (?, ?, ?, '', 0, ?, 'pending')`,
      nodeId,
      attempt,
      stage,
      now,
    );
  }

  pending(): Owed[] {
    return this.sql
      .exec<{
        node_id: string;
        attempt: number;
        stage: Stage;
        channel: string;
        tries: number;
        next_at: number;
      }>(
        `SELECT node_id, attempt, stage, channel, tries, next_at FROM notifications WHERE status = 'pending' ORDER BY next_at, node_id, channel`,
      )
      .toArray()
      .map((r) => ({
        nodeId: r.node_id,
        attempt: r.attempt,
        stage: r.stage,
        channel: r.channel,
        tries: r.tries,
        nextAt: r.next_at,
      }));
  }

  hasPending(): boolean {
    return (
      this.sql
        .exec<{ n: number }>(`SELECT count(*) AS n FROM notifications WHERE status = 'pending'`)
        .one().n > 0
    );
  }

  /** The channels chosen: the placeholder becomes one row per channel. */
  expand(owed: Owed, channels: readonly string[], now: number): void {
    this.settle(owed, channels.length > 0 ? "expanded" : "none");
    for (const channel of channels) {
      this.sql.exec(
        `INSERT OR IGNORE INTO notifications (node_id, attempt, stage, channel, tries, next_at, status) VALUES (?, ?, ?, ?, 0, ?, 'pending')`,
        owed.nodeId,
        owed.attempt,
        owed.stage,
        channel,
        now,
      );
    }
  }

  settle(owed: Owed, status: "sent" | "failed" | "expanded" | "none" | "moot"): void {
    this.sql.exec(
      `UPDATE notifications SET status = ? WHERE node_id = ? AND attempt = ? AND stage = ? AND channel = ?`,
      status,
      owed.nodeId,
      owed.attempt,
      owed.stage,
      owed.channel,
    );
  }

  retry(owed: Owed, tries: number, nextAt: number): void {
    this.sql.exec(
      `UPDATE notifications SET tries = ?, next_at = ? WHERE node_id = ? AND attempt = ? AND stage = ? AND channel = ?`,
      tries,
      nextAt,
      owed.nodeId,
      owed.attempt,
      owed.stage,
      owed.channel,
    );
  }
}

/** What the sender borrows from the engine. */
export interface NotifierHost {
  storage: RunStorage;
  env: Env;
  now(): number;
  store: RunStore;
  book: NotificationBook;
  request(nodeId: string, attempt: number): ApprovalRequest | null;
  run(): Loaded;
  emit(events: StoredEvent[]): void;
  /** Asks the alarm to call again later (a send not yet due, or one that failed). */
  retryLater(): void;
}

/** Sends what is owed, one flush at a time. */
export class Notifier {
  private flushing: Promise<void> | null = null;

  constructor(private readonly host: NotifierHost) {}

  owed(): boolean {
    return this.host.book.hasPending();
  }

  flush(): void {
    if (this.flushing || !this.host.book.hasPending()) return;
    this.flushing = this.sendDue()
      .catch((err: unknown) => {
        console.error(JSON.stringify({ at: "notification", error: String(err) }));
        this.host.retryLater();
      })
      .finally(() => {
        this.flushing = null;
      });
  }

  private async sendDue(): Promise<void> {
    const { book, storage } = this.host;
    let later = false;
    // A placeholder expands into channel rows, which the next pass sends.
    for (let pass = 0; pass < 2; pass++) {
      for (const owed of book.pending()) {
        const now = this.host.now();
        if (owed.nextAt > now) {
          later = true;
          continue;
        }
        const run = this.host.run();
        if (owed.stage === 2 && owed.channel === "") {
          const channels = await channelsFor(this.host.env.DB, run.meta.tenantId, "run_failed", []);
          storage.transactionSync(() => book.expand(owed, channels, now));
          continue;
        }
        const ask = owed.stage === 2 ? null : this.askOf(owed);
        if (owed.stage !== 2 && !ask) {
          storage.transactionSync(() => book.settle(owed, "moot"));
          continue;
        }
        if (ask && owed.channel === "") {
          const named = this.namedChannels(owed.nodeId);
          const event = ask.kind === "budget.hold" ? "budget" : "approval";
          const channels = await channelsFor(this.host.env.DB, ask.tenantId, event, named);
          storage.transactionSync(() => book.expand(owed, channels, now));
          continue;
        }
        const result: Delivery = ask
          ? await sendNotification(this.host.env, ask, owed.channel, now)
          : await sendRunFailed(this.host.env, this.failureOf(), owed.channel);
        const tries = owed.tries + 1;
        const kind = ask?.kind ?? "run.failed";
        const base = { attempt: owed.attempt, channel: owed.channel, kind, tries };
        if (result.ok) {
          this.record(owed, "sent", "notification_sent", {
            ...base,
            status: result.status,
            assignees: result.assignees,
          });
        } else if (!result.retryable || tries >= MAX_TRIES) {
          this.record(owed, "failed", "notification_failed", { ...base, error: result.error });
        } else {
          const nextAt = this.host.now() + FIRST_BACKOFF_MS * 2 ** (tries - 1);
          storage.transactionSync(() => book.retry(owed, tries, nextAt));
          later = true;
        }
      }
    }
    if (later || book.hasPending()) this.host.retryLater();
  }

  private record(
    owed: Owed,
    status: "sent" | "failed",
    type: "notification_sent" | "notification_failed",
    data: Record<string, unknown>,
  ): void {
    const { book, storage, store } = this.host;
    const event = storage.transactionSync(() => {
      book.settle(owed, status);
      return store.appendEvent(
        owed.nodeId === "" ? { type, data } : { type, nodeId: owed.nodeId, data },
        this.host.now(),
      );
    });
    this.host.emit([event]);
  }

  /** The failed run, as its notification tells it. */
  private failureOf() {
    const run = this.host.run();
    const failure = run.state.failure;
    return {
      tenantId: run.meta.tenantId,
      workflowId: run.meta.workflowId,
      runId: run.meta.runId,
      error: {
        nodeId: failure?.nodeId ?? null,
        code: failure?.code ?? "run_failed",
        message: failure?.message ?? "the run failed",
      },
    };
  }

  /** The channels the node names for itself. */
  private namedChannels(nodeId: string): string[] {
    const run = this.host.run();
    const node = run.ir.nodes[run.ir.byId[nodeId] ?? -1];
    return (node?.config as { notify?: string[] } | undefined)?.notify ?? [];
  }

  /** What the notification asks, or null when its request no longer waits. */
  private askOf(owed: Owed): ApprovalAsk | null {
    const request = this.host.request(owed.nodeId, owed.attempt);
    if (request?.status !== "pending") return null;
    const run = this.host.run();
    const node = run.ir.nodes[run.ir.byId[owed.nodeId] ?? -1];
    const budget = node?.type !== "approval";
    const escalate = (node?.config as { escalate?: { approvers: Approvers } } | undefined)
      ?.escalate;
    const approvers: Approvers | null =
      owed.stage === 1 ? (escalate?.approvers ?? null) : (request.approvers ?? null);
    return {
      kind: budget ? "budget.hold" : owed.stage === 1 ? "approval.escalated" : "approval.requested",
      tenantId: run.meta.tenantId,
      workflowId: run.meta.workflowId,
      runId: run.meta.runId,
      nodeId: owed.nodeId,
      attempt: owed.attempt,
      message: request.message,
      quorum: request.required,
      form: request.form ?? null,
      expiresAt: request.expiresAt ?? null,
      approvers,
    };
  }
}
