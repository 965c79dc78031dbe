import { ApprovalBook } from "./approvals";
import { ChildBook } from "./children";
import { RunEngine } from "./engine";
import { EventBook } from "./event-book";
import type { RunHost } from "./host";
import { NotificationBook } from "./notifications";
import { PatchBook } from "./patches";
import { RunStore } from "./store";
import { UsageLedger } from "./usage";

export interface OpenedRun {
  store: RunStore;
  approvals: ApprovalBook;
  engine: RunEngine;
}

/**
 * A run's engine over its host's storage, as an object wake builds it: the RunObject's
 * constructor, and each incarnation of a simulated object (test/support/sim).
 */
export function openRun(host: RunHost): OpenedRun {
  const sql = host.storage.sql;
  const store = new RunStore(sql);
  const notifications = new NotificationBook(sql);
  const approvals = new ApprovalBook(sql, notifications);
  const engine = new RunEngine(
    host,
    store,
    approvals,
    new PatchBook(sql),
    new UsageLedger(sql),
    new ChildBook(sql),
    new EventBook(sql),
    notifications,
  );
  return { store, approvals, engine };
}
