import type { ReactNode } from "react";
import type { NodeIssue } from "../flow/node-data";
import { CheckboxGroup } from "../ui/CheckboxGroup";
import {
  BooleanField,
  EnumField,
  JsonField,
  NumberField,
  StringField,
  StringListField,
} from "./fields";
import { fieldKind, isRecord, type JsonSchema } from "./json-schema";
import "./schema.css";

export interface SchemaFormProps {
  schema: JsonSchema;
  value: Record<string, unknown>;
  /** A field changed; `undefined` removes it. */
  onChange(name: string, value: unknown): void;
  /** Problems to show under their field (`field` is the property name). */
  issues?: readonly NodeIssue[];
  idPrefix: string;
  disabled?: boolean;
}

function pathText(path: readonly (string | number)[] | undefined): string {
  return path && path.length > 0 ? `${path.join(".")}: ` : "";
}

/**
 * A form generated from a JSON Schema object: one labelled field per property, with its
 * description, a mark on required fields and the validation problems of that field.
 */
export function SchemaForm({
  schema,
  value,
  onChange,
  issues = [],
  idPrefix,
  disabled,
}: SchemaFormProps) {
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  if (properties.length === 0) {
    return <p className="muted">Nothing to configure.</p>;
  }
  return (
    <div className="schema-form">
      {properties.map(([name, prop]) => {
        const id = `${idPrefix}-${name}`;
        const fieldIssues = issues.filter((i) => i.field === name);
        const errorId = fieldIssues.length > 0 ? `${id}-error` : undefined;
        const helpId = prop.description ? `${id}-help` : undefined;
        const describedBy = [helpId, errorId].filter(Boolean).join(" ") || undefined;
        const kind = fieldKind(name, prop);
        const invalid = fieldIssues.length > 0;
        const current = value[name];
        const set = (v: unknown) => onChange(name, v);
        // An optional list or group left empty is removed, not sent empty: `[]` or `{}` would
        // mean something else to a schema with a minimum, or one that asks for some member.
        const setList = (v: string[] | undefined) =>
          set(v === undefined || (v.length === 0 && !required.has(name)) ? undefined : v);
        const strings = Array.isArray(current)
          ? current.filter((x): x is string => typeof x === "string")
          : undefined;
        const common = { id, invalid, describedBy, disabled };
        let control: ReactNode;
        switch (kind.kind) {
          case "string":
            control = (
              <StringField
                {...common}
                value={typeof current === "string" ? current : undefined}
                onChange={(v) => set(v === "" ? undefined : v)}
                multiline={kind.multiline}
              />
            );
            break;
          case "number":
            control = (
              <NumberField
                {...common}
                value={typeof current === "number" ? current : undefined}
                onChange={set}
                integer={kind.integer}
              />
            );
            break;
          case "boolean":
            control = (
              <BooleanField
                {...common}
                value={typeof current === "boolean" ? current : undefined}
                onChange={set}
              />
            );
            break;
          case "enum":
            control = (
              <EnumField
                {...common}
                value={typeof current === "string" ? current : undefined}
                onChange={set}
                options={kind.options}
                optional={!required.has(name)}
                fallback={typeof prop.default === "string" ? prop.default : undefined}
              />
            );
            break;
          case "string-list":
            control = <StringListField {...common} value={strings} onChange={setList} />;
            break;
          case "enum-list":
            control = (
              <CheckboxGroup
                legend={`${prop.title ?? name}${required.has(name) ? " *" : ""}`}
                options={kind.options}
                value={strings ?? []}
                onChange={setList}
                idPrefix={id}
                invalid={invalid}
                describedBy={describedBy}
                disabled={disabled}
              />
            );
            break;
          case "object":
            return (
              <fieldset key={name} className="schema-group">
                <legend>
                  {prop.title ?? name}
                  {required.has(name) && <span className="required"> *</span>}
                </legend>
                {prop.description && <p className="help">{prop.description}</p>}
                <SchemaForm
                  schema={kind.schema}
                  value={isRecord(current) ? current : {}}
                  onChange={(sub, v) => {
                    const next = { ...(isRecord(current) ? current : {}) };
                    if (v === undefined) delete next[sub];
                    else next[sub] = v;
                    set(Object.keys(next).length === 0 && !required.has(name) ? undefined : next);
                  }}
                  issues={fieldIssues
                    .filter((i) => i.subPath && i.subPath.length > 0)
                    .map((i): NodeIssue => {
                      const [first, ...rest] = i.subPath ?? [];
                      return typeof first === "string"
                        ? { field: first, subPath: rest, message: i.message }
                        : { message: i.message };
                    })}
                  idPrefix={id}
                  disabled={disabled}
                />
                {fieldIssues
                  .filter((i) => !i.subPath || i.subPath.length === 0)
                  .map((i) => (
                    <p key={i.message} className="field-error" id={errorId}>
                      {i.message}
                    </p>
                  ))}
              </fieldset>
            );
          case "json":
            control = <JsonField {...common} value={current} onChange={set} />;
            break;
        }
        const inline = kind.kind === "boolean";
        return (
          <div key={name} className={`field${inline ? " field-inline" : ""}`}>
            {/* A group of checkboxes is named by its legend. */}
            {kind.kind !== "enum-list" && (
              <label htmlFor={id}>
                {prop.title ?? name}
                {required.has(name) && <span className="required"> *</span>}
                {kind.kind === "json" && <span className="muted"> (JSON)</span>}
              </label>
            )}
            {control}
            {helpId && (
              <p className="help" id={helpId}>
                {prop.description}
              </p>
            )}
            {fieldIssues.map((i) => (
              <p key={`${pathText(i.subPath)}${i.message}`} className="field-error" id={errorId}>
                {pathText(i.subPath)}
                {i.message}
              </p>
            ))}
          </div>
        );
      })}
    </div>
  );
}
