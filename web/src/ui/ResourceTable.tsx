import type { ReactNode } from "react";
import { EmptyState, ErrorNote, Loading } from "./notes";

/**
 * A listed resource (servers, channels, users, keys, secrets, workflows, runs) as a table, with
 * what it shows instead while loading (`Loading {what}…`), when the list could not be read
 * (`failed`, then the reason, `hint` in brackets, a Try again button with `retry`) and when there
 * is nothing (`empty`). `list` is `useAsync`'s answer: a reload keeps the rows on screen.
 */
export function ResourceTable<T>({
  list,
  what,
  failed,
  hint,
  retry,
  empty,
  className,
  columns,
  actions,
  row,
}: {
  list: { state: "loading" | "ready" | "failed"; data: T[] | null; error: string | null };
  what: string;
  failed: string;
  hint?: string;
  /** Offer to load the list again after a failure. */
  retry?(): void;
  empty: { title: string; children?: ReactNode };
  /** Besides `table`. */
  className?: string;
  columns: readonly ReactNode[];
  /** A last column, headed for screen readers only, for each row's buttons. */
  actions?: boolean;
  /** A row (or rows, keyed) for an item. */
  row(item: T): ReactNode;
}) {
  return (
    <>
      {list.error && (
        <ErrorNote title={failed}>
          {list.error}
          {hint && ` (${hint})`}
          {(hint || retry) && "."}
          {retry && (
            <>
              {" "}
              <button type="button" className="linkish" onClick={retry}>
                Try again
              </button>
            </>
          )}
        </ErrorNote>
      )}
      {list.state === "loading" && !list.data && <Loading what={what} />}
      {list.data && list.data.length === 0 && (
        <EmptyState title={empty.title}>{empty.children}</EmptyState>
      )}
      {list.data && list.data.length > 0 && (
        <table className={className ? `table ${className}` : "table"}>
          <thead>
            <tr>
              {columns.map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the columns are fixed.
                <th key={i}>{c}</th>
              ))}
              {actions && (
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>{list.data.map(row)}</tbody>
        </table>
      )}
    </>
  );
}
