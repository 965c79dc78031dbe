/**
 * Lines of newline-delimited JSON from a stream of text, each held to `maxChars`, so a reader
 * never holds more than one line (and the chunk it arrived in) whatever the stream's size.
 */

/** A line longer than its reader allows. */
export class LineTooLong extends Error {
  constructor(
    readonly line: number,
    readonly maxChars: number,
  ) {
    super(`line ${line} is longer than ${maxChars} characters`);
  }
}

/**
 * Each non-blank line with its number (from 1; blank lines count), from text arriving in
 * chunks (a decoded stream). A final line needs no newline; `\r\n` endings are read as `\n`.
 * Stopping early (a refused line) stops the source: `for await` returns its iterator.
 * @example
 * for await (const { text, line } of ndjsonLines(body.pipeThrough(new TextDecoderStream()), 1 << 20)) …
 */
export async function* ndjsonLines(
  chunks: AsyncIterable<string>,
  maxChars: number,
): AsyncGenerator<{ text: string; line: number }> {
  let parts: string[] = [];
  let held = 0;
  let line = 0;
  const take = (rest: string) => {
    const text = (parts.join("") + rest).replace(/\r$/, "");
    parts = [];
    held = 0;
    line++;
    return text;
  };
  for await (const value of chunks) {
    let at = 0;
    for (let nl = value.indexOf("\n"); nl !== -1; nl = value.indexOf("\n", at)) {
      if (held + nl - at > maxChars) throw new LineTooLong(line + 1, maxChars);
      const text = take(value.slice(at, nl));
      at = nl + 1;
      if (text.trim() !== "") yield { text, line };
    }
    const rest = value.slice(at);
    held += rest.length;
    if (held > maxChars) throw new LineTooLong(line + 1, maxChars);
    if (rest !== "") parts.push(rest);
  }
  if (held > 0) {
    const text = take("");
    if (text.trim() !== "") yield { text, line };
  }
}
