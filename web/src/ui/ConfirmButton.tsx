import { useState } from "react";
import { describeError } from "../api/client";

/**
 * A small button that acts only after a second click (`confirm`, beside a Keep button), so one
 * stray click loses nothing; why the action failed shows after them. For a row's revoke or
 * delete, where a dialog would be too much.
 */
export function ConfirmButton({
  label,
  confirm,
  onConfirm,
}: {
  label: string;
  confirm: string;
  onConfirm(): Promise<void>;
}) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!asking) {
    return (
      <button type="button" className="small" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span>
      <button
        type="button"
        className="danger small"
        onClick={async () => {
          try {
            await onConfirm();
          } catch (err) {
            setError(describeError(err));
          }
        }}
      >
        {confirm}
      </button>{" "}
      <button type="button" className="small" onClick={() => setAsking(false)}>
        Keep
      </button>
      {error && <span className="field-error"> {error}</span>}
    </span>
  );
}
