import { inject } from "vitest";
import { type ApiAnswer, apiCall } from "./dev-server";

/**
 * The `server` project's shared `wrangler dev` (test/support/server-setup.ts) as a test file
 * sees it: its address, its admin key, and the API called with that key.
 */
export function sharedServer() {
  const url = inject("devUrl");
  const key = inject("devKey");
  return {
    url,
    key,
    api: <T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> =>
      apiCall<T>(url, key, method, path, body),
  };
}
