import { memo } from "react";
import { constraints, refName, type Schema, typeLabel } from "./spec";

/** A schema's type, with component names as links to their definitions below. */
export function TypeLabel({ schema }: { schema: Schema }) {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return (
      <a className="ref" href={`#schema-${name}`}>
        {name}
      </a>
    );
  }
  if (schema.items?.$ref) {
    return (
      <>
        array of <TypeLabel schema={schema.items} />
      </>
    );
  }
  return <span>{typeLabel(schema)}</span>;
}

/** What a value must be: type, rules and description on one line. */
export function SchemaLine({ schema }: { schema: Schema }) {
  const rules = constraints(schema);
  return (
    <span className="schema-line">
      <code className="schema-type">
        <TypeLabel schema={schema} />
      </code>
      {rules.length > 0 && <span className="schema-rules"> · {rules.join(" · ")}</span>}
      {schema.description && <span className="schema-desc"> — {schema.description}</span>}
    </span>
  );
}

/**
 * A schema with its fields, nested objects inline and named components as links (so a
 * recursive schema renders once).
 */
export const SchemaView = memo(function SchemaView({ schema }: { schema: Schema }) {
  const parts = schema.allOf ?? [];
  const objectOf = schema.items && !schema.items.$ref ? schema.items : schema;
  const properties = Object.entries(objectOf.properties ?? {});
  const required = new Set(objectOf.required ?? []);
  return (
    <div className="schema">
      {parts.length > 0 ? (
        parts.map((part, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: allOf parts have no identity but their place.
          <SchemaView key={i} schema={part} />
        ))
      ) : (
        <SchemaLine schema={schema} />
      )}
      {properties.length > 0 && (
        <ul className="schema-fields">
          {properties.map(([name, field]) => (
            <li key={name}>
              <code className="field-name">{name}</code>
              {required.has(name) ? (
                <span className="field-required">required</span>
              ) : (
                <span className="field-optional">optional</span>
              )}{" "}
              {field.properties || (field.items && !field.items.$ref && field.items.properties) ? (
                <SchemaView schema={field} />
              ) : (
                <SchemaLine schema={field} />
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});
