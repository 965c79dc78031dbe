/**
 * An archived run: one imported from an export (docs/LIFECYCLE.md, "Export and import"). Its
 * object holds the record as it was exported, its events in the event log and the rest under
 * one meta key, and no engine state: nothing can run, decide or patch it, and it answers views,
 * events and sockets like any ended run.
 */
import type { ArchivedApproval } from "../../core/wire/run-archive";
import type { RunView } from "./snapshot";
import type { RunStore } from "./store";

const KEY = "archive";

/** What an archived run's object keeps beside its events. */
export interface SealedArchive {
  /** The run's view, `archived` set; its approvals without votes' data, as views show them. */
  view: RunView;
  /** Its approvals with their votes' form data, as exported. */
  approvals: ArchivedApproval[];
  /** The definition of the version it ran. */
  definition: unknown;
  input: unknown;
}

/**
 * A run's whole record, for its export: its view, its approvals with their votes' form data,
 * its input, and for an archived run the definition it keeps (a live run's is its version's).
 */
export interface RunRecord {
  view: RunView;
  approvals: ArchivedApproval[];
  input: unknown;
  definition?: unknown;
}

export function readArchive(store: RunStore): SealedArchive | undefined {
  return store.getMeta<SealedArchive>(KEY);
}

/**
 * Seals an import: from now on the object answers as this archived run. Refused on an object
 * that holds a run or an archive already, so an import never overwrites anything.
 */
export function sealArchive(store: RunStore, archive: SealedArchive): void {
  assertImportable(store);
  store.setMeta("input", archive.input ?? null);
  store.setMeta(KEY, archive);
}

/** Events may only go into an object with no run and no sealed archive. */
export function assertImportable(store: RunStore): void {
  if (store.exists() || readArchive(store)) {
    throw new Error("this run exists; an import never writes into a run");
  }
}
