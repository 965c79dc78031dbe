import type { ReactNode } from "react";
import { Dialog } from "./Dialog";

/**
 * What an action in a dialog did (a delete, an import), said as a status, with one way on
 * (`action`: Close, Done, Go to the run list) that also closes it.
 */
export function DoneDialog({
  title,
  status,
  children,
  action,
  onClose,
}: {
  title: string;
  status: ReactNode;
  /** More under the status (the runs imported). */
  children?: ReactNode;
  action: string;
  onClose(): void;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <p role="status">{status}</p>
      {children}
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          {action}
        </button>
      </div>
    </Dialog>
  );
}
