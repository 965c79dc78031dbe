/**
 * D1 access for tenant secrets (`secrets`): ciphertexts only (platform/secrets.ts seals and
 * opens them), each with the JSON list of hosts it may go to, or NULL when unbound. Every
 * query is scoped by tenant.
 */
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { secrets } from "./schema";

export type SecretRow = typeof secrets.$inferSelect;
/** A secret as listed: never its ciphertext. */
export type SecretListing = Omit<SecretRow, "tenantId" | "ciphertext">;

const listing = {
  name: secrets.name,
  allowedHosts: secrets.allowedHosts,
  createdAt: secrets.createdAt,
  updatedAt: secrets.updatedAt,
};

/** A tenant's secrets by name, `limit` after the name `after`. */
export async function listSecrets(
  db: D1Database,
  query: { tenantId: string; limit: number; after?: string },
): Promise<SecretListing[]> {
  const filters = [eq(secrets.tenantId, query.tenantId)];
  if (query.after !== undefined) filters.push(gt(secrets.name, query.after));
  return drizzle(db)
    .select(listing)
    .from(secrets)
    .where(and(...filters))
    .orderBy(asc(secrets.name))
    .limit(query.limit)
    .all();
}

/**
 * Stores a secret's ciphertext, creating it or replacing the value. With `keepHosts` an
 * existing secret keeps its stored binding (rotating a value never unbinds it); otherwise
 * `allowedHosts` replaces it. Returns the binding as stored.
 */
export async function putSecret(
  db: D1Database,
  secret: Pick<SecretRow, "tenantId" | "name" | "ciphertext" | "allowedHosts"> & {
    keepHosts: boolean;
    now: number;
  },
): Promise<string | null> {
  const row = await drizzle(db)
    .insert(secrets)
    .values({
      tenantId: secret.tenantId,
      name: secret.name,
      ciphertext: secret.ciphertext,
      allowedHosts: secret.allowedHosts,
      createdAt: secret.now,
      updatedAt: secret.now,
    })
    .onConflictDoUpdate({
      target: [secrets.tenantId, secrets.name],
      set: {
        ciphertext: sql`excluded.ciphertext`,
        updatedAt: sql`excluded.updated_at`,
        ...(secret.keepHosts ? {} : { allowedHosts: sql`excluded.allowed_hosts` }),
      },
    })
    .returning({ allowedHosts: secrets.allowedHosts })
    .get();
  return row?.allowedHosts ?? null;
}

/** Sets a secret's binding; the secret as listed, or undefined when the tenant has none so named. */
export async function bindSecret(
  db: D1Database,
  binding: Pick<SecretRow, "tenantId" | "name" | "allowedHosts"> & { now: number },
): Promise<SecretListing | undefined> {
  return drizzle(db)
    .update(secrets)
    .set({ allowedHosts: binding.allowedHosts, updatedAt: binding.now })
    .where(and(eq(secrets.tenantId, binding.tenantId), eq(secrets.name, binding.name)))
    .returning(listing)
    .get();
}

/** Deletes a secret; false when the tenant had none so named. */
export async function deleteSecret(
  db: D1Database,
  tenantId: string,
  name: string,
): Promise<boolean> {
  const res = await drizzle(db)
    .delete(secrets)
    .where(and(eq(secrets.tenantId, tenantId), eq(secrets.name, name)))
    .run();
  return res.meta.changes > 0;
}

/** The ciphertexts and bindings of the named secrets of a tenant; missing names are absent. */
export async function findSealedSecrets(
  db: D1Database,
  tenantId: string,
  names: string[],
): Promise<Pick<SecretRow, "name" | "ciphertext" | "allowedHosts">[]> {
  return drizzle(db)
    .select({
      name: secrets.name,
      ciphertext: secrets.ciphertext,
      allowedHosts: secrets.allowedHosts,
    })
    .from(secrets)
    .where(and(eq(secrets.tenantId, tenantId), inArray(secrets.name, names)))
    .all();
}
