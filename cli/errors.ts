/** What `aob` exits with: scripts branch on these (docs/CLI.md). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  waitingForApproval: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One problem with the JSON path of what is wrong, as the API reports validation errors. */
export interface Issue {
  at: string;
  message: string;
}

/**
 * An error the CLI reports and exits on. `code` is stable for `--json` readers; `issues` carry
 * JSON paths (validation) and print one per line.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
    readonly code: string = "error",
    readonly issues: readonly Issue[] = [],
    readonly status?: number,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The user typed something the CLI cannot use (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage, "usage");
    this.name = "UsageError";
  }
}

/** Renders issues as `nodes[1].config.url: must be a URL`, one per line. */
export function formatIssues(issues: readonly Issue[], prefix = ""): string[] {
  // An issue about the whole body (no path) reads as its message alone.
  return issues.map((i) => `${prefix}${i.at ? `${i.at}: ` : ""}${i.message}`);
}

/** The `--json` shape of an error: `{ error: { code, message, status?, issues? } }`. */
export function errorJson(err: CliError): { error: Record<string, unknown> } {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.status === undefined ? {} : { status: err.status }),
      ...(err.issues.length === 0 ? {} : { issues: err.issues }),
    },
  };
}
