import { useMemo } from "react";
import { useAsync } from "../ui/use-async";
import { call } from "./client";
import { useSession } from "./session";
import type { NodeTypeInfo } from "./types";

export interface KindCatalog {
  list: NodeTypeInfo[];
  byType: ReadonlyMap<string, NodeTypeInfo>;
  titles: ReadonlyMap<string, string>;
}

/** The kind registry (`GET /api/node-types`) that drives the palette and the config forms. */
export function useNodeTypes() {
  const { client } = useSession();
  const result = useAsync(
    async () => (await call(client.api["node-types"].$get())).nodeTypes,
    [client],
  );
  const catalog = useMemo((): KindCatalog | null => {
    if (!result.data) return null;
    return {
      list: result.data,
      byType: new Map(result.data.map((k) => [k.type, k])),
      titles: new Map(result.data.map((k) => [k.type, k.title])),
    };
  }, [result.data]);
  return { ...result, catalog };
}
