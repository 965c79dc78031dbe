/** D1 access for tenants (`tenants`). */
import { count } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { tenants } from "./schema";

/** How many tenants there are: the health check's round trip to D1. */
export async function countTenants(db: D1Database): Promise<number | undefined> {
  const row = await drizzle(db).select({ n: count() }).from(tenants).get();
  return row?.n;
}
