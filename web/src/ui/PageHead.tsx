import type { ReactNode } from "react";

/**
 * A page's title bar: its heading, what acts on the whole page (filters, a link to make one),
 * and Refresh when `onRefresh` is given.
 */
export function PageHead({
  title,
  onRefresh,
  children,
}: {
  title: string;
  onRefresh?(): void;
  children?: ReactNode;
}) {
  return (
    <header className="page-head">
      <h1>{title}</h1>
      {children}
      {onRefresh && (
        <button type="button" onClick={onRefresh}>
          Refresh
        </button>
      )}
    </header>
  );
}
