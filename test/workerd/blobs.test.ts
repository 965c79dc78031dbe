import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { holdBlobs } from "../../db/blobs";
import { OTHER_KEY, TEST_KEY } from "./setup";

/**
 * `GET /api/blobs/{hash}` serves what a tenant's `blobs` record names, as the engine leaves it:
 * the bytes in R2 and a row in D1 (fixture data written here, as the runner would).
 */
const SIZE = 20_000;
const bytes = Uint8Array.from({ length: SIZE }, (_, i) => (i * 31 + 7) % 256);
const KEY = "bodies/test/download.bin"; // a streamed body need not live at its content address
let hash = "";

async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function get(path: string, headers: Record<string, string> = {}, key = TEST_KEY, method = "GET") {
  return SELF.fetch(`https://aob.test${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...headers },
  });
}

const read = async (res: Response) => new Uint8Array(await res.arrayBuffer());

beforeAll(async () => {
  hash = await sha256(bytes);
  await env.BLOBS.put(KEY, bytes);
  await holdBlobs(env.DB, [
    {
      tenantId: "t_a",
      hash,
      key: KEY,
      bytes: SIZE,
      contentType: "application/pdf",
      runId: "run_fixture",
      createdAt: Date.now(),
    },
  ]);
});

describe("GET /api/blobs/{hash}", () => {
  it("serves the whole blob with its recorded type, length, ETag and range support", async () => {
    const res = await get(`/api/blobs/${hash}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-length")).toBe(String(SIZE));
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("etag")).toBe(`"${hash}"`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    expect(await read(res)).toEqual(bytes);
  });

  it("answers one range with 206, its Content-Range and exactly those bytes", async () => {
    const cases: [string, number, number][] = [
      ["bytes=0-1023", 0, 1024],
      ["bytes=19000-", 19_000, 1000],
      ["bytes=-100", SIZE - 100, 100],
      ["bytes=12345-12345", 12_345, 1],
      ["bytes=19990-99999", 19_990, 10], // clamped to the end
    ];
    for (const [range, offset, length] of cases) {
      const res = await get(`/api/blobs/${hash}`, { range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range"), range).toBe(
        `bytes ${offset}-${offset + length - 1}/${SIZE}`,
      );
      expect(res.headers.get("content-length"), range).toBe(String(length));
      expect(res.headers.get("content-type"), range).toBe("application/pdf");
      expect(await read(res), range).toEqual(bytes.slice(offset, offset + length));
    }
  });

  it("answers 416 with the size for a range past the end, and the whole blob for one it does not serve", async () => {
    const past = await get(`/api/blobs/${hash}`, { range: `bytes=${SIZE}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${SIZE}`);
    expect(past.headers.get("cache-control")).toBeNull();
    expect(((await past.json()) as { error: { code: string } }).error.code).toBe(
      "range_not_satisfiable",
    );
    for (const range of ["bytes=0-1,5-9", "items=0-9"]) {
      const whole = await get(`/api/blobs/${hash}`, { range });
      expect(whole.status, range).toBe(200);
      expect((await read(whole)).length, range).toBe(SIZE);
    }
    // A range for another version of the resource (If-Range) is ignored: the whole blob.
    const stale = await get(`/api/blobs/${hash}`, { range: "bytes=0-9", "if-range": '"other"' });
    expect(stale.status).toBe(200);
    await stale.body?.cancel();
  });

  it("answers HEAD with the headers and no body, and 304 for its own ETag", async () => {
    const head = await get(`/api/blobs/${hash}`, {}, TEST_KEY, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/pdf");
    expect(head.headers.get("content-length")).toBe(String(SIZE));
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    expect(await head.text()).toBe("");
    const again = await get(`/api/blobs/${hash}`, { "if-none-match": `"${hash}"` });
    expect(again.status).toBe(304);
  });

  it("is 404 to another tenant, exactly as for a hash nobody holds", async () => {
    const unknown = "f".repeat(64);
    const nobody = await get(`/api/blobs/${unknown}`);
    expect(nobody.status).toBe(404);
    const nobodyBody = await nobody.text();
    for (const [headers, method] of [
      [{}, "GET"],
      [{ range: "bytes=0-9" }, "GET"],
      [{}, "HEAD"],
    ] as const) {
      const other = await get(`/api/blobs/${hash}`, headers, OTHER_KEY, method);
      expect(other.status, `${method} ${JSON.stringify(headers)}`).toBe(404);
      expect(other.headers.get("content-range")).toBeNull();
      if (method === "GET") expect((await other.text()).replace(hash, unknown)).toBe(nobodyBody);
    }
  });

  it("is 404 when the record names bytes that are gone", async () => {
    const gone = await sha256(new Uint8Array([1, 2, 3]));
    await holdBlobs(env.DB, [
      {
        tenantId: "t_a",
        hash: gone,
        key: "bodies/test/gone",
        bytes: 3,
        contentType: "text/plain",
        runId: "run_fixture",
        createdAt: Date.now(),
      },
    ]);
    for (const range of [undefined, "bytes=0-1"]) {
      const res = await get(`/api/blobs/${gone}`, range ? { range } : {});
      expect(res.status, String(range)).toBe(404);
      await res.body?.cancel();
    }
  });
});
