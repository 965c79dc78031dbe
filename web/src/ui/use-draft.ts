import { useCallback, useState } from "react";

/**
 * What a "replace" form starts from: `empty`, or a listed row picked to replace. Each pick and
 * each reset gives the form a new `key`, so its fields start afresh from the draft.
 */
export function useDraft<D>(empty: D) {
  const [state, setState] = useState({ draft: empty, key: 0 });
  const pick = useCallback((draft: D) => setState((s) => ({ draft, key: s.key + 1 })), []);
  const reset = useCallback(() => setState((s) => ({ draft: empty, key: s.key + 1 })), [empty]);
  return { draft: state.draft, key: state.key, pick, reset };
}
