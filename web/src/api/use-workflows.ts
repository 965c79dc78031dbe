import { useMemo } from "react";
import { everyPage } from "../../../core/wire/cursor";
import { useAsync } from "../ui/use-async";
import { call } from "./client";
import { useSession } from "./session";

/**
 * The tenant's workflows, most recently changed first, every page of them (`GET /api/workflows`,
 * 500 a request), and their names by id: for the workflow list and the pickers that name a
 * workflow.
 */
export function useWorkflows() {
  const { client } = useSession();
  const result = useAsync(
    async () =>
      everyPage(async (cursor) => {
        const query = { limit: "500", ...(cursor ? { cursor } : {}) };
        const page = await call(client.api.workflows.$get({ query }));
        return { items: page.workflows, nextCursor: page.nextCursor };
      }),
    [client],
  );
  const names = useMemo(
    () => new Map((result.data ?? []).map((w) => [w.id, w.name])),
    [result.data],
  );
  return { ...result, names };
}
