/** Undo and redo stacks of whole document snapshots. */
export interface History<T> {
  past: T[];
  future: T[];
  /** The key of the last recorded change: edits with the same key coalesce into one step. */
  lastKey: string | null;
}

export const HISTORY_LIMIT = 100;

export function emptyHistory<T>(): History<T> {
  return { past: [], future: [], lastKey: null };
}

/**
 * Records `current` (the state before a change) as an undo step and clears redo. A change with
 * the same `key` as the previous one (typing in one field) does not add another step.
 * @example
 * let h = record(emptyHistory<number>(), 1); // past [1]
 */
export function record<T>(history: History<T>, current: T, key: string | null = null): History<T> {
  if (key !== null && key === history.lastKey) return history;
  const past = [...history.past, current].slice(-HISTORY_LIMIT);
  return { past, future: [], lastKey: key };
}

/** Steps back: the state to show and the new history, or null when there is nothing to undo. */
export function undo<T>(history: History<T>, current: T): { state: T; history: History<T> } | null {
  const state = history.past.at(-1);
  if (state === undefined) return null;
  return {
    state,
    history: {
      past: history.past.slice(0, -1),
      future: [current, ...history.future],
      lastKey: null,
    },
  };
}

export function redo<T>(history: History<T>, current: T): { state: T; history: History<T> } | null {
  const state = history.future[0];
  if (state === undefined) return null;
  return {
    state,
    history: { past: [...history.past, current], future: history.future.slice(1), lastKey: null },
  };
}
