import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineTooLong, ndjsonLines } from "./ndjson";

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  for (const part of parts) yield part;
}

async function all(source: AsyncIterable<string>, max = 1000) {
  const out: { text: string; line: number }[] = [];
  for await (const line of ndjsonLines(source, max)) out.push(line);
  return out;
}

describe("ndjsonLines", () => {
  it("gives each non-blank line with its number, however the text is cut into chunks", async () => {
    const text = '{"a":1}\r\n\n{"b":2}\n  \n{"c":3}';
    const expected = [
      { text: '{"a":1}', line: 1 },
      { text: '{"b":2}', line: 3 },
      { text: '{"c":3}', line: 5 },
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: text.length }), { maxLength: 6 }), async (cuts) => {
        const at = [0, ...[...cuts].sort((a, b) => a - b), text.length];
        const parts = at.slice(1).map((end, i) => text.slice(at[i], end));
        expect(await all(chunks(...parts))).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a line longer than its limit, naming it, before holding more of it", async () => {
    const source = chunks("ok\n", "x".repeat(6), "x".repeat(6), "\nnever");
    await expect(all(source, 10)).rejects.toEqual(new LineTooLong(2, 10));
  });
});
