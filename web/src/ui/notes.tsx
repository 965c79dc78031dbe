import type { ReactNode } from "react";
import { ApiFailure, describeError } from "../api/client";
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

/**
 * A refusal of the API with each problem's JSON path (`allowedHosts[1]: … is a URL …`), or
 * nothing when `error` is null.
 */
export function Problems({ error }: { error: unknown }) {
  if (error === null) return null;
  const issues = error instanceof ApiFailure ? error.issues : [];
  return (
    <ErrorNote title={describeError(error)}>
      {issues.length > 0 && (
        <ul className="problems">
          {issues.map((i) => (
            <li key={`${i.at}:${i.message}`}>
              <code>{i.at}</code>: {i.message}
            </li>
          ))}
        </ul>
      )}
    </ErrorNote>
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
