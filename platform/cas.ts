import { casKey } from "../core/cas/hash";

/**
 * Writes a blob under its content hash. HEAD first: an existing object is equal by definition,
 * and R2 allows one write per key per second, so a 429 on an existing key is a success too.
 */
export async function putBlob(bucket: R2Bucket, hash: string, json: string): Promise<void> {
  const key = casKey(hash);
  if (await bucket.head(key)) return;
  try {
    await bucket.put(key, json, { httpMetadata: { contentType: "application/json" } });
  } catch (err) {
    if (await bucket.head(key)) return;
    throw err;
  }
}
