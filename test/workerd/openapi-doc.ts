import {
  type OutputUnit,
  registerSchema,
  type SchemaObject,
  validate,
} from "@hyperjump/json-schema/openapi-3-1";

/** The parts of an OpenAPI 3.1 document these tests read. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  maximum?: number;
  minimum?: number;
}
interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema: Schema;
}
/** A body of a request or an answer: its schema and, for JSON, an example of it. */
interface Media {
  schema: Schema;
  example?: unknown;
}
interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
export interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export interface Op {
  method: string;
  path: string;
  op: Operation;
}

/** Every operation of the document, as `GET /api/runs/{id}`. */
export function operations(doc: Document): Op[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

/** The scope an operation documents, or null for a public one (or one any key may call). */
export function scopeOf(op: Operation): string | null {
  const schemes = op.security ?? [];
  if (schemes.length === 0) return null;
  const scopes = Object.values(schemes[0] ?? {}).flat();
  if (scopes.length === 0) return null;
  if (scopes.length !== 1) throw new Error(`expected one scope, got ${JSON.stringify(schemes)}`);
  return scopes[0]!;
}

/** A schema with its `$ref` followed (one level: the document names components only). */
export function resolve(doc: Document, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const target = doc.components.schemas[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return target;
}

/** Every `$ref` in the document, with where it sits. */
export function refsOf(value: unknown, at = "#"): { at: string; ref: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => refsOf(v, `${at}/${i}`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === "$ref" && typeof v === "string" ? [{ at, ref: v }] : refsOf(v, `${at}/${k}`),
  );
}

/** Resolves a local JSON pointer (`#/components/schemas/RunView`) in the document. */
export function pointer(doc: unknown, ref: string): unknown {
  let node: unknown = doc;
  for (const raw of ref.replace(/^#\//, "").split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof node !== "object" || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base";
const BASE = "https://aob.test/schemas";
let registered = 0;

/**
 * Validates a value against a schema of the document (its `$ref`s to components included) with
 * a JSON Schema 2020-12 validator in the OpenAPI 3.1 dialect. Returns the failures, if any.
 */
export async function check(doc: Document, schema: Schema, value: unknown): Promise<string[]> {
  if (registered === 0) {
    registerSchema(rebase({ $schema: DIALECT, $defs: doc.components.schemas }), BASE);
  }
  const id = `https://aob.test/check/${++registered}`;
  registerSchema(rebase({ $schema: DIALECT, ...schema }), id);
  const output = await validate(id, value as never, "BASIC");
  return output.valid
    ? []
    : (output.errors ?? [])
        .filter((e: OutputUnit) => !e.valid)
        .map(
          (e: OutputUnit) => `${e.instanceLocation}: ${e.keyword} (${e.absoluteKeywordLocation})`,
        );
}

/** Points the document's component refs at the registered copy of the components. */
function rebase(schema: unknown): SchemaObject {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${BASE}#/$defs/`),
  ) as SchemaObject;
}
