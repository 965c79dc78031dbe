import { type DependencyList, useCallback, useEffect, useState } from "react";
import { describeError } from "../api/client";

export type AsyncState<T> =
  | { state: "loading"; data: T | null; error: null }
  | { state: "ready"; data: T; error: null }
  | { state: "failed"; data: T | null; error: string };

/**
 * Loads data when `deps` change and on `reload()`; answers of a superseded load are dropped.
 * Keeps the previous data while reloading, so lists do not flash.
 */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList) {
  const [result, setResult] = useState<AsyncState<T>>({
    state: "loading",
    data: null,
    error: null,
  });
  const [token, setToken] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load again.
  useEffect(() => {
    let live = true;
    setResult((r) => ({ state: "loading", data: r.data, error: null }));
    load().then(
      (data) => {
        if (live) setResult({ state: "ready", data, error: null });
      },
      (err: unknown) => {
        if (live) setResult((r) => ({ state: "failed", data: r.data, error: describeError(err) }));
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, token]);
  const reload = useCallback(() => setToken((t) => t + 1), []);
  return { ...result, reload };
}
