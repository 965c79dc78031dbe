/**
 * The subset of JSON Schema the forms understand (what zod's `toJSONSchema` emits for the kind
 * configs, and what people write for approval forms and run inputs).
 */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A schema received as data (an API answer), or an empty schema when it is not an object. */
export function asSchema(value: unknown): JsonSchema {
  return isRecord(value) ? (value as JsonSchema) : {};
}

/** How a form renders one field of a schema. */
export type FieldKind =
  | { kind: "string"; multiline: boolean }
  | { kind: "number"; integer: boolean }
  | { kind: "boolean" }
  | { kind: "enum"; options: string[] }
  | { kind: "string-list" }
  | { kind: "enum-list"; options: string[] }
  | { kind: "object"; schema: JsonSchema }
  | { kind: "json" };

/** Fields whose text is usually long: expressions and messages get a text area. */
const MULTILINE = new Set(["expression", "message", "items", "body", "comment", "description"]);

/**
 * Picks the widget for a property: plain fields for string, number, boolean and enum, a list for
 * an array of strings, checkboxes for an array of enum values, a nested group for an object with
 * declared properties, JSON otherwise.
 * @example
 * fieldKind("url", { type: "string" }) // { kind: "string", multiline: false }
 */
export function fieldKind(name: string, schema: JsonSchema): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === "string")) {
    return { kind: "enum", options: schema.enum as string[] };
  }
  switch (schema.type) {
    case "string":
      return { kind: "string", multiline: MULTILINE.has(name) };
    case "number":
      return { kind: "number", integer: false };
    case "integer":
      return { kind: "number", integer: true };
    case "boolean":
      return { kind: "boolean" };
    case "array": {
      const items = schema.items;
      if (Array.isArray(items?.enum) && items.enum.every((v) => typeof v === "string")) {
        return { kind: "enum-list", options: items.enum as string[] };
      }
      return items?.type === "string" ? { kind: "string-list" } : { kind: "json" };
    }
    case "object":
      return schema.properties && Object.keys(schema.properties).length > 0
        ? { kind: "object", schema }
        : { kind: "json" };
    default:
      return { kind: "json" };
  }
}

/**
 * A starting value for a schema: its declared defaults. With `fillRequired`, also an empty value
 * for each required field (a new node's config: the field shows and validation says what is
 * missing); without it, required fields stay absent (a form a person must fill in).
 * @example
 * initialValue({ type: "object", properties: { url: { type: "string" } }, required: ["url"] }, true)
 * // { url: "" }
 */
export function initialValue(schema: JsonSchema, fillRequired = false): unknown {
  if (schema.default !== undefined) return structuredClone(schema.default);
  if (schema.type === "object" && schema.properties) {
    const out: Record<string, unknown> = {};
    const required = new Set(schema.required ?? []);
    for (const [name, prop] of Object.entries(schema.properties)) {
      if (prop.default !== undefined) out[name] = structuredClone(prop.default);
      else if (fillRequired && required.has(name)) out[name] = initialValue(prop, true);
    }
    return out;
  }
  switch (schema.type) {
    case "string":
      return Array.isArray(schema.enum) && schema.enum.length > 0 ? schema.enum[0] : "";
    case "array":
      return [];
    case "object":
      return {};
    case "boolean":
      return false;
    default:
      return undefined;
  }
}
