import "./checkbox-group.css";

/**
 * A set of choices as checkboxes in a fieldset (roles, scopes, a list of enum values). The
 * value keeps the options' order whatever order they were ticked in.
 */
export function CheckboxGroup<T extends string>({
  legend,
  options,
  value,
  onChange,
  idPrefix,
  hint,
  invalid,
  describedBy,
  disabled,
}: {
  legend: string;
  options: readonly T[];
  value: readonly T[];
  onChange(next: T[]): void;
  idPrefix: string;
  /** A short note after an option's label (what a role grants). */
  hint?: (option: T) => string | undefined;
  invalid?: boolean;
  describedBy?: string;
  disabled?: boolean;
}) {
  return (
    <fieldset
      className="checkbox-group"
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      disabled={disabled}
    >
      <legend>{legend}</legend>
      {options.map((option) => {
        const id = `${idPrefix}-${option}`;
        const note = hint?.(option);
        return (
          <span key={option} className="checkbox-option">
            <input
              id={id}
              type="checkbox"
              checked={value.includes(option)}
              onChange={(e) =>
                onChange(
                  options.filter((o) => (o === option ? e.target.checked : value.includes(o))),
                )
              }
            />
            <label htmlFor={id}>
              {option}
              {note && <span className="muted"> ({note})</span>}
            </label>
          </span>
        );
      })}
    </fieldset>
  );
}
