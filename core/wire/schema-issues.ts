import { Validator } from "@cfworker/json-schema";

/** One way a value fails a JSON Schema: where in the value, and why. */
export interface SchemaIssue {
  path: (string | number)[];
  message: string;
}

/** A JSON pointer (`#/items/0/name`, or without `#`) as a path (`["items", 0, "name"]`). */
function pointerToPath(pointer: string): (string | number)[] {
  return pointer
    .replace(/^#/, "")
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/**
 * Checks a value against a JSON Schema (draft 2020-12, @cfworker/json-schema: no code
 * generation, so it runs in workerd) and answers every problem at its path in the value; none
 * when it conforms; a schema that cannot be used (an unresolvable `$ref`, a `pattern` that is no
 * regular expression) is one problem at the root rather than an exception. The summary units of `properties` and `$ref` (which only say "a property
 * failed") are left out: the failing property's own unit says what is wrong.
 * @example
 * schemaIssues({ type: "object", required: ["a"] }, {}); // [{ path: [], message: 'Instance does not have required property "a".' }]
 */
export function schemaIssues(schema: Record<string, unknown>, value: unknown): SchemaIssue[] {
  let result: ReturnType<Validator["validate"]>;
  try {
    result = new Validator(schema as never, "2020-12", false).validate(value);
  } catch (err) {
    // An unresolvable `$ref` or a `pattern` that is no regular expression: nothing conforms.
    return [{ path: [], message: `the schema cannot be used: ${(err as Error).message}` }];
  }
  if (result.valid) return [];
  return result.errors
    .filter((e) => e.keyword !== "properties" && e.keyword !== "$ref")
    .map((e) => ({ path: pointerToPath(e.instanceLocation), message: e.error }));
}
