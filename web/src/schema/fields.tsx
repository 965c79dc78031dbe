import { useEffect, useState } from "react";

interface FieldProps<T> {
  id: string;
  value: T | undefined;
  onChange(value: T | undefined): void;
  invalid: boolean;
  describedBy: string | undefined;
  disabled?: boolean;
}

export function StringField({
  id,
  value,
  onChange,
  invalid,
  describedBy,
  disabled,
  multiline,
}: FieldProps<string> & { multiline: boolean }) {
  const common = {
    id,
    value: value ?? "",
    "aria-invalid": invalid,
    "aria-describedby": describedBy,
    disabled,
    spellCheck: false,
  };
  return multiline ? (
    <textarea {...common} rows={3} onChange={(e) => onChange(e.target.value)} />
  ) : (
    <input {...common} type="text" onChange={(e) => onChange(e.target.value)} />
  );
}

export function NumberField({
  id,
  value,
  onChange,
  invalid,
  describedBy,
  disabled,
  integer,
}: FieldProps<number> & { integer: boolean }) {
  return (
    <input
      id={id}
      type="number"
      step={integer ? 1 : "any"}
      value={value ?? ""}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
    />
  );
}

export function BooleanField({ id, value, onChange, describedBy, disabled }: FieldProps<boolean>) {
  return (
    <input
      id={id}
      type="checkbox"
      checked={value ?? false}
      aria-describedby={describedBy}
      disabled={disabled}
      onChange={(e) => onChange(e.target.checked)}
    />
  );
}

export function EnumField({
  id,
  value,
  onChange,
  invalid,
  describedBy,
  disabled,
  options,
  optional,
  fallback,
}: FieldProps<string> & {
  options: string[];
  optional: boolean;
  /** What the server takes when the field is left unset (the schema's default), if any. */
  fallback?: string;
}) {
  return (
    <select
      id={id}
      value={value ?? ""}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)}
    >
      {(optional || value === undefined) && (
        <option value="">{fallback === undefined ? "(not set)" : `(default: ${fallback})`}</option>
      )}
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
}

/**
 * Text the user edits that maps to a parsed value (JSON, a list). Keeps the text while it is
 * being typed and takes the outside value again only when it changes from elsewhere (undo).
 */
function useParsedText<T>(
  value: T | undefined,
  show: (v: T | undefined) => string,
  parse: (text: string) => { ok: true; value: T | undefined } | { ok: false; message: string },
  onChange: (v: T | undefined) => void,
) {
  const [text, setText] = useState(() => show(value));
  const [error, setError] = useState<string | null>(null);
  const shown = show(value);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `show` and `parse` are pure module functions; only a new outside value resets the text.
  useEffect(() => {
    setText((current) => {
      const parsed = parse(current);
      return parsed.ok && show(parsed.value) === shown ? current : shown;
    });
  }, [shown]);
  const edit = (next: string) => {
    setText(next);
    const parsed = parse(next);
    if (parsed.ok) {
      setError(null);
      onChange(parsed.value);
    } else {
      setError(parsed.message);
    }
  };
  return { text, error, edit };
}

const showJson = (v: unknown) => (v === undefined ? "" : JSON.stringify(v, null, 2));
const parseJson = (text: string) => {
  if (text.trim() === "") return { ok: true as const, value: undefined };
  try {
    return { ok: true as const, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false as const, message: `not valid JSON yet: ${(err as Error).message}` };
  }
};

/** Any JSON value, for schemas the form does not draw field by field. */
export function JsonField({
  id,
  value,
  onChange,
  invalid,
  describedBy,
  disabled,
  rows = 4,
}: FieldProps<unknown> & { rows?: number }) {
  const { text, error, edit } = useParsedText(value, showJson, parseJson, onChange);
  const errorId = `${id}-json-error`;
  return (
    <>
      <textarea
        id={id}
        className="mono"
        rows={rows}
        value={text}
        spellCheck={false}
        aria-invalid={invalid || error !== null}
        aria-describedby={[describedBy, error ? errorId : undefined].filter(Boolean).join(" ")}
        disabled={disabled}
        onChange={(e) => edit(e.target.value)}
        placeholder="JSON"
      />
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </>
  );
}

const showList = (v: string[] | undefined) => (v ?? []).join("\n");
const parseList = (text: string) => ({
  ok: true as const,
  value: text
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s !== ""),
});

/** A list of strings, one per line (switch cases). */
export function StringListField({
  id,
  value,
  onChange,
  invalid,
  describedBy,
  disabled,
}: FieldProps<string[]>) {
  const { text, edit } = useParsedText(value, showList, parseList, onChange);
  return (
    <textarea
      id={id}
      rows={3}
      value={text}
      spellCheck={false}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      disabled={disabled}
      onChange={(e) => edit(e.target.value)}
      placeholder="one per line"
    />
  );
}
