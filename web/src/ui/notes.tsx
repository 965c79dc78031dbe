import type { ReactNode } from "react";
import "./notes.css";

/** An error that says what went wrong and, in `children`, what to do. */
export function ErrorNote({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="note note-error" role="alert">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

/** An empty state: what is missing and how to get some. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}
