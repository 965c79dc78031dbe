import { useCallback, useState } from "react";

/**
 * A user's action that calls the API (a form's submit, a dialog's confirm): busy while it runs,
 * and what it threw kept for the page to show (with `Problems`, or `describeError`). A new try
 * clears the last error.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
