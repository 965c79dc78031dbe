import { useMemo } from "react";
import { everyPage } from "../../../core/wire/cursor";
import { call } from "../api/client";
import { useSession } from "../api/session";
import type { User } from "../api/types";
import { useAsync } from "../ui/use-async";
import { userNames } from "./names";

/** The tenant's users (deleted ones too, with `deletedAt`), oldest first; `enabled: false` asks nothing. */
export function useUsers(enabled = true) {
  const { client } = useSession();
  return useAsync(
    async (): Promise<User[]> =>
      enabled
        ? everyPage(async (cursor) => {
            const query = { limit: "500", ...(cursor ? { cursor } : {}) };
            const page = await call(client.api.users.$get({ query }));
            return { items: page.users, nextCursor: page.nextCursor };
          })
        : [],
    [client, enabled],
  );
}

/** Users' names by id and email, for approvals that name their approvers; empty until loaded. */
export function useUserNames(enabled = true): ReadonlyMap<string, string> {
  const users = useUsers(enabled);
  return useMemo(() => userNames(users.data ?? []), [users.data]);
}
