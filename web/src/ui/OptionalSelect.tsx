/**
 * A select of one of `options`, or none (`none` names that choice: "all", "auto", "any
 * action"): a filter's value, null when it does not filter. Its label is the caller's.
 */
export function OptionalSelect<T extends string>({
  id,
  value,
  options,
  none,
  labelOf,
  onChange,
}: {
  id: string;
  value: T | null;
  options: readonly T[];
  none: string;
  /** What an option reads as (a workflow's name for its id); the value itself by default. */
  labelOf?(option: T): string;
  onChange(value: T | null): void;
}) {
  return (
    <select
      id={id}
      value={value ?? ""}
      onChange={(e) => onChange(options.find((o) => o === e.target.value) ?? null)}
    >
      <option value="">{none}</option>
      {options.map((o) => (
        <option key={o} value={o}>
          {labelOf ? labelOf(o) : o}
        </option>
      ))}
    </select>
  );
}
