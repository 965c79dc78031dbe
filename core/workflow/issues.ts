/** A problem in a submitted definition, with the JSON path of what is wrong. */
export interface ValidationIssue {
  path: (string | number)[];
  code: string;
  message: string;
  severity: "error" | "warning";
}

/** Renders a path as `nodes[2].config.url` for messages and the CLI. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out === "" ? "(root)" : out;
}
