/**
 * Characters per stored piece of a long text: at most 3 bytes each in UTF-8 (a surrogate pair
 * is two characters for 4 bytes), so a piece stays under the 2 MB one SQLite value may hold in
 * D1 and in a Durable Object.
 */
export const PIECE_CHARS = 500_000;

/**
 * Cuts `text` into pieces of at most `max` characters, never between the two halves of a
 * surrogate pair (SQLite would store each half as U+FFFD). Joined, the pieces are `text`.
 * @example
 * textPieces("abcde", 2); // ["ab", "cd", "e"]
 */
export function textPieces(text: string, max = PIECE_CHARS): string[] {
  if (max < 2) throw new RangeError("a piece holds at least 2 characters");
  const pieces: string[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(at + max, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    pieces.push(text.slice(at, end));
    at = end;
  }
  return pieces;
}
