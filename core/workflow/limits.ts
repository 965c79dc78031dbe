/** Limits on any JSON a client sends, checked before schema validation. */
export const MAX_JSON_DEPTH = 64;
export const MAX_STRING_LENGTH = 100_000;

export interface LimitProblem {
  path: (string | number)[];
  message: string;
}

/**
 * The first place where a value nests too deep or holds too long a string, or null.
 * @example
 * checkJsonLimits({ a: "x".repeat(200_000) }); // { path: ["a"], message: "string longer than ..." }
 */
export function checkJsonLimits(value: unknown): LimitProblem | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === "string") {
      if (v.length > MAX_STRING_LENGTH) {
        return { path, message: `string longer than ${MAX_STRING_LENGTH} characters` };
      }
    } else if (v !== null && typeof v === "object") {
      if (path.length >= MAX_JSON_DEPTH) {
        return { path, message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
      }
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) stack.push({ value: v[i], path: [...path, i] });
      } else for (const [k, x] of Object.entries(v)) stack.push({ value: x, path: [...path, k] });
    }
  }
  return null;
}
