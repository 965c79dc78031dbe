import { describe, expect, it } from "vitest";
import {
  formatBytes,
  hexDump,
  preview,
  rangeTotal,
  readPrefix,
} from "../../web/src/runs/blob-preview";

describe("the node panel's blob preview", () => {
  it("shows a binary blob as a short hex dump with its printable characters", () => {
    const pdf = new TextEncoder().encode("%PDF-1.7\n\u0000\u0001binary stream!");
    const dump = hexDump(pdf);
    expect(dump.split("\n")).toEqual([
      "00000000  25 50 44 46 2d 31 2e 37 0a 00 01 62 69 6e 61 72  |%PDF-1.7...binar|",
      "00000010  79 20 73 74 72 65 61 6d 21                       |y stream!|",
    ]);
    expect(hexDump(new Uint8Array(1024)).split("\n")).toHaveLength(16); // 256 bytes
    const shown = preview(pdf, "application/pdf", 20_000);
    expect(shown).toMatchObject({ kind: "hex", shown: pdf.length, size: 20_000 });
  });

  it("shows text and JSON as text", () => {
    const bytes = new TextEncoder().encode('{"a":"€"}');
    expect(preview(bytes, "application/json", 11)).toMatchObject({
      kind: "text",
      body: '{"a":"€"}',
    });
    expect(preview(bytes, "text/csv; charset=utf-8", undefined).kind).toBe("text");
  });

  it("reads the size from Content-Range", () => {
    expect(rangeTotal("bytes 0-1023/20971520")).toBe(20_971_520);
    expect(rangeTotal("bytes */0")).toBe(0);
    expect(rangeTotal(null)).toBeUndefined();
    expect(formatBytes(340)).toBe("340 B");
    expect(formatBytes(20_971_520)).toBe("20 MiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
  });

  it("reads at most the first KiB of a body, whatever the server sends", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(700).fill(pulled));
        if (pulled === 100) controller.close();
      },
    });
    const bytes = await readPrefix(body, 1024);
    expect(bytes.length).toBe(1024);
    expect(bytes[699]).toBe(1);
    expect(bytes[700]).toBe(2);
    expect(pulled).toBeLessThan(5);
    expect((await readPrefix(null, 1024)).length).toBe(0);
  });
});
