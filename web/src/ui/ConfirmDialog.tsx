import type { ReactNode } from "react";
import { describeError } from "../api/client";
import { Dialog } from "./Dialog";
import { Problems } from "./notes";
import { useAction } from "./use-action";

/**
 * Asks before something that cannot be undone (deleting a server, a user, a run): says what it
 * does, offers a way out (`keep`) and a danger button (`confirm`). While `onConfirm` runs both
 * buttons are off; if it throws, the dialog stays open and shows why: as a banner after
 * `failure` ("Not deleted: …") when given, else as the API's refusal with its paths.
 */
export function ConfirmDialog({
  title,
  children,
  keep,
  confirm,
  onConfirm,
  onClose,
  failure,
  ready = true,
}: {
  title: string;
  /** What confirming does. */
  children: ReactNode;
  keep: string;
  confirm: string;
  onConfirm(): Promise<void>;
  onClose(): void;
  failure?: string;
  /** False keeps the confirm button off (a confirmation still to be typed). */
  ready?: boolean;
}) {
  const action = useAction();
  return (
    <Dialog title={title} onClose={onClose}>
      {children}
      {failure === undefined ? (
        <Problems error={action.error} />
      ) : (
        action.error !== null && (
          <div className="banner banner-error" role="alert">
            {failure}: {describeError(action.error)}
          </div>
        )
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose} disabled={action.busy}>
          {keep}
        </button>
        <button
          type="button"
          className="danger"
          disabled={action.busy || !ready}
          onClick={() => void action.run(onConfirm)}
        >
          {confirm}
        </button>
      </div>
    </Dialog>
  );
}
