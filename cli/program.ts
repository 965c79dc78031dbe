import { Command, CommanderError } from "commander";
import { registerApprovals } from "./commands/approvals";
import { registerAudit } from "./commands/audit";
import { registerBlobs } from "./commands/blobs";
import { registerChannels } from "./commands/channels";
import { registerEvents } from "./commands/events";
import { registerLogin } from "./commands/login";
import { registerMcp } from "./commands/mcp";
import { registerMcpServers } from "./commands/mcp-servers";
import { registerNodeTypes } from "./commands/node-types";
import { registerPatches } from "./commands/patches";
import { registerRetention } from "./commands/retention";
import { registerRun } from "./commands/run";
import { registerRuns } from "./commands/runs";
import { registerSecrets } from "./commands/secrets";
import { registerStats } from "./commands/stats";
import { registerStatus } from "./commands/status";
import { registerTelemetry } from "./commands/telemetry";
import { registerTenant } from "./commands/tenant";
import { registerTriggers } from "./commands/triggers";
import { registerUsers } from "./commands/users";
import { registerWorkflows } from "./commands/workflows";
import { CliError, EXIT, type ExitCode, errorJson, formatIssues } from "./errors";
import { printJson, warn } from "./output";
import cliPackage from "./package.json" with { type: "json" };

// The installable package's version (cli/package.json), compiled into the bundle.
const VERSION = cliPackage.version;

const EXIT_HELP = `
Exit codes: 0 success (a watched run completed), 1 failed or error, 2 usage error,
3 the run waits for an approval and nobody here can give it. Every command takes --json.
Credentials: \`aob login\`, or AOB_URL and AOB_API_KEY (these override the config file).`;

/** The `aob` program. Commander reports errors by throwing (exitOverride); `runCli` maps them. */
export function buildProgram(): Command {
  const program = new Command("aob")
    .description("the command-line client of aob, the durable workflow engine")
    .version(VERSION, "-V, --version", "print the version")
    .option("--json", "print machine-readable JSON only")
    .option("--config <path>", "config file (default ~/.config/aob/config.json)")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .addHelpText("after", EXIT_HELP);
  registerLogin(program);
  registerNodeTypes(program);
  registerWorkflows(program);
  registerRun(program);
  registerRuns(program);
  registerRetention(program);
  registerBlobs(program);
  registerApprovals(program);
  registerEvents(program);
  registerPatches(program);
  registerStatus(program);
  registerTenant(program);
  registerSecrets(program);
  registerTriggers(program);
  registerUsers(program);
  registerAudit(program);
  registerChannels(program);
  registerTelemetry(program);
  registerMcp(program);
  registerStats(program);
  registerMcpServers(program);
  return program;
}

function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

/** Reports an error the way the output mode asks and returns the exit code. */
function report(err: unknown, json: boolean): ExitCode {
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return EXIT.ok;
    // A group without a subcommand shows its help on stderr: a usage error.
    if (err.code === "commander.help") return EXIT.usage;
    const usage = new CliError(err.message.replace(/^error: /, ""), EXIT.usage, "usage");
    if (json) printJson(errorJson(usage));
    else warn(`error: ${usage.message}\n(run with --help for usage)`);
    return EXIT.usage;
  }
  const failure =
    err instanceof CliError
      ? err
      : new CliError(err instanceof Error ? err.message : String(err), EXIT.failed, "internal");
  if (json) printJson(errorJson(failure));
  else {
    warn(`error: ${failure.message}`);
    for (const line of formatIssues(failure.issues, "  ")) warn(line);
  }
  return failure.exitCode;
}

/** Runs one command line and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
    return (process.exitCode ?? EXIT.ok) as ExitCode;
  } catch (err) {
    return report(err, wantsJson(argv));
  }
}
