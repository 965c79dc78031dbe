/** D1 access for the node history of ended runs (`node_executions`), written by db/projection.ts. */
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { nodeExecutions, runs } from "./schema";

/** Whether one of the tenant's runs recorded an output with this content hash. */
export async function tenantRecordedOutput(
  db: D1Database,
  tenantId: string,
  outputHash: string,
): Promise<boolean> {
  const row = await drizzle(db)
    .select({ ok: nodeExecutions.runId })
    .from(nodeExecutions)
    .innerJoin(runs, eq(runs.id, nodeExecutions.runId))
    .where(and(eq(nodeExecutions.outputHash, outputHash), eq(runs.tenantId, tenantId)))
    .limit(1)
    .get();
  return row !== undefined;
}
