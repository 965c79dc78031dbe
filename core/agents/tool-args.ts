import { Validator } from "@cfworker/json-schema";

/** The longest arguments a tool call may carry, in characters of JSON. */
export const MAX_ARGUMENT_CHARS = 65_536;

export type ToolArgs =
  | { ok: true; args: Record<string, unknown> }
  | { ok: false; error: { error: string; problems?: string[] } };

/**
 * A tool call's arguments as the model wrote them: JSON of an object, within
 * {@link MAX_ARGUMENT_CHARS}, and when a schema is given, valid against it (JSON Schema
 * 2020-12). A refusal is what the model reads back, with the path of each problem.
 * @example
 * parseToolArgs('{"q": 1}', { type: "object", properties: { q: { type: "string" } } });
 * // { ok: false, error: { error: "the arguments do not match the tool's parameters", problems: ["q: ..."] } }
 */
export function parseToolArgs(text: string, schema?: Record<string, unknown>): ToolArgs {
  if (text.length > MAX_ARGUMENT_CHARS) {
    return {
      ok: false,
      error: { error: `the arguments are over ${MAX_ARGUMENT_CHARS} characters` },
    };
  }
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch (err) {
    return { ok: false, error: { error: `the arguments are not JSON: ${(err as Error).message}` } };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: { error: "the arguments must be a JSON object" } };
  }
  const args = value as Record<string, unknown>;
  if (!schema) return { ok: true, args };
  let result: ReturnType<Validator["validate"]>;
  try {
    result = new Validator(schema as never, "2020-12", false).validate(args);
  } catch (err) {
    return {
      ok: false,
      error: { error: `the tool's parameters schema cannot be used: ${(err as Error).message}` },
    };
  }
  if (result.valid) return { ok: true, args };
  const problems = [
    ...new Set(
      result.errors
        .filter((e) => e.keyword !== "properties" && e.keyword !== "allOf")
        .map((e) => `${pathOf(e.instanceLocation)}: ${e.error}`),
    ),
  ].slice(0, 10);
  return {
    ok: false,
    error: { error: "the arguments do not match the tool's parameters", problems },
  };
}

/** `#/items/0/name` → `items.0.name`; the root is `(arguments)`. */
function pathOf(location: string): string {
  const path = location.replace(/^#\/?/, "").split("/").filter(Boolean).join(".");
  return path === "" ? "(arguments)" : path;
}

/**
 * Arguments as a call's record shows them: parsed when they are JSON, else the text the model
 * wrote (a record is kept of refused calls too).
 * @example
 * argumentsShown('{"q":"x"}'); // { q: "x" }
 * argumentsShown("{oops"); // "{oops"
 */
export function argumentsShown(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
