/**
 * A run's waits for events and the events sent to it (docs/COMPOSITION.md), in its SQLite. A
 * wait is recorded when its node parks (the node's state says whether it still waits); an event that finds it is written into it in the
 * transaction that takes it (so a wake delivers what a lost step did not); an event sent to the
 * run before its wait is kept in the mailbox until a wait takes it.
 */

/** An event as a run keeps and delivers it. */
export interface RunEvent {
  name: string;
  key: string | null;
  data: unknown;
  /** Who sent it: an API key's name, or `signed-url`. */
  by: string;
  at: number;
}

export type EventWaitStatus = "waiting" | "received";

/** A wait node's attempt waiting for an event. */
export interface EventWait {
  nodeId: string;
  attempt: number;
  name: string;
  /** The rendered `match`: an event must carry this key. Null: any key. */
  key: string | null;
  expiresAt: number | null;
  /** The path of its signed URL (platform/wait-urls.ts); null without a key to sign with. */
  url: string | null;
  status: EventWaitStatus;
  /** The event taken, once `received`. */
  event?: RunEvent;
}

/** Events one run keeps for waits it has not reached; more are refused. */
export const MAILBOX_LIMIT = 100;

/** Whether an event with key `eventKey` fits a wait on `waitKey` (a missing key fits any). */
export function keysMatch(waitKey: string | null, eventKey: string | null): boolean {
  return waitKey === null || eventKey === null || waitKey === eventKey;
}

type WaitRow = {
  node_id: string;
  attempt: number;
  name: string;
  key: string | null;
  expires_at: number | null;
  url: string | null;
  status: EventWaitStatus;
  event: string | null;
};

function toWait(r: WaitRow): EventWait {
  return {
    nodeId: r.node_id,
    attempt: r.attempt,
    name: r.name,
    key: r.key,
    expiresAt: r.expires_at,
    url: r.url,
    status: r.status,
    ...(r.event === null ? {} : { event: JSON.parse(r.event) as RunEvent }),
  };
}

export class EventBook {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Records a wait, and whether its D1 row is written; recording it again (a wake re-ran its
   * start) changes nothing.
   */
  open(wait: Omit<EventWait, "status" | "event">, registered: boolean): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO event_waits (node_id, attempt, name, key, expires_at, url, status, registered)
       VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?)`,
      wait.nodeId,
      wait.attempt,
      wait.name,
      wait.key,
      wait.expiresAt,
      wait.url,
      registered ? 1 : 0,
    );
  }

  /** Waits still waiting whose D1 row is not written yet, oldest first. */
  unregistered(): EventWait[] {
    return this.sql
      .exec<WaitRow>(
        `SELECT node_id, attempt, name, key, expires_at, url, status, event FROM event_waits
         WHERE status = 'waiting' AND registered = 0 ORDER BY rowid`,
      )
      .toArray()
      .map(toWait);
  }

  /** The wait's D1 row is written. */
  registered(nodeId: string, attempt: number): void {
    this.sql.exec(
      `UPDATE event_waits SET registered = 1 WHERE node_id = ? AND attempt = ?`,
      nodeId,
      attempt,
    );
  }

  get(nodeId: string, attempt: number): EventWait | undefined {
    const row = this.sql
      .exec<WaitRow>(
        `SELECT node_id, attempt, name, key, expires_at, url, status, event FROM event_waits
         WHERE node_id = ? AND attempt = ?`,
        nodeId,
        attempt,
      )
      .toArray()[0];
    return row ? toWait(row) : undefined;
  }

  /** Waits in a status, oldest first. */
  withStatus(status: EventWaitStatus): EventWait[] {
    return this.sql
      .exec<WaitRow>(
        `SELECT node_id, attempt, name, key, expires_at, url, status, event FROM event_waits
         WHERE status = ? ORDER BY rowid`,
        status,
      )
      .toArray()
      .map(toWait);
  }

  /** The wait takes the event: it is `received`, with the event, until its step ends it. */
  receive(nodeId: string, attempt: number, event: RunEvent): void {
    this.sql.exec(
      `UPDATE event_waits SET status = 'received', event = ? WHERE node_id = ? AND attempt = ?`,
      JSON.stringify(event),
      nodeId,
      attempt,
    );
  }

  /** Keeps an event for a wait the run has not reached; false when the mailbox is full. */
  keep(event: RunEvent): boolean {
    const { n } = this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM mailbox`).one();
    if (n >= MAILBOX_LIMIT) return false;
    this.sql.exec(
      `INSERT INTO mailbox (name, key, event) VALUES (?, ?, ?)`,
      event.name,
      event.key,
      JSON.stringify(event),
    );
    return true;
  }

  /** Takes the oldest kept event that fits a wait on `name` and `key`, if one does. */
  takeKept(name: string, key: string | null): RunEvent | undefined {
    type Row = { id: number; key: string | null; event: string };
    const rows = this.sql
      .exec<Row>(`SELECT id, key, event FROM mailbox WHERE name = ? ORDER BY id`, name)
      .toArray();
    const found = rows.find((r) => keysMatch(key, r.key));
    if (!found) return undefined;
    this.sql.exec(`DELETE FROM mailbox WHERE id = ?`, found.id);
    return JSON.parse(found.event) as RunEvent;
  }

  /** Events kept, oldest first (the run view). */
  kept(): RunEvent[] {
    return this.sql
      .exec<{ event: string }>(`SELECT event FROM mailbox ORDER BY id`)
      .toArray()
      .map((r) => JSON.parse(r.event) as RunEvent);
  }

  /** Whether an event with this idempotency key was taken already; records it if not. */
  seen(idempotencyKey: string, at: number): boolean {
    const known = this.sql
      .exec(`SELECT 1 FROM event_keys WHERE key = ?`, idempotencyKey)
      .toArray().length;
    if (known > 0) return true;
    this.sql.exec(`INSERT INTO event_keys (key, at) VALUES (?, ?)`, idempotencyKey, at);
    return false;
  }
}
