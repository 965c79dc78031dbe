import type { ReactNode } from "react";

/**
 * A labelled text field (`.field`): an input, or a text area when `rows` is given; its help
 * under it (`{id}-help`, which describes the control), then each of its problems as a
 * `.field-error` line, then `children` (a note such as "Replaces the server x.").
 */
export function TextField({
  id,
  label,
  value,
  onChange,
  help,
  problems = [],
  invalid,
  rows,
  type,
  placeholder,
  autoComplete,
  spellCheck,
  children,
}: {
  id: string;
  label: ReactNode;
  value: string;
  onChange(value: string): void;
  help?: ReactNode;
  problems?: readonly string[];
  /** Marks the control invalid (`aria-invalid`); its problems may be shown elsewhere. */
  invalid?: boolean;
  rows?: number;
  type?: "text" | "email" | "password" | "url";
  placeholder?: string;
  autoComplete?: string;
  spellCheck?: boolean;
  children?: ReactNode;
}) {
  const control = {
    id,
    value,
    placeholder,
    autoComplete,
    spellCheck,
    "aria-invalid": invalid,
    "aria-describedby": help ? `${id}-help` : undefined,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {rows === undefined ? (
        <input type={type} {...control} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <textarea rows={rows} {...control} onChange={(e) => onChange(e.target.value)} />
      )}
      {help && (
        <p className="help" id={`${id}-help`}>
          {help}
        </p>
      )}
      {problems.map((p) => (
        <p key={p} className="field-error">
          {p}
        </p>
      ))}
      {children}
    </div>
  );
}
