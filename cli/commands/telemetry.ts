import type { Command } from "commander";
import { call, callEmpty } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { UsageError } from "../errors";
import { formatTime, printJson, say } from "../output";

/** `aob telemetry set|get|delete`: where run traces go (docs/OBSERVABILITY.md). */
export function registerTelemetry(program: Command): void {
  const group = program
    .command("telemetry")
    .description("send every run's trace to an OTLP/HTTP endpoint (edit scope to change)");
  leaf(group, "set <endpoint>", "send each ended run's trace to this OTLP/HTTP traces URL")
    .option(
      "-H, --header <name=value>",
      "a header sent with each export (repeat it); the value may be {{ secrets.NAME }}",
      (raw: string, all: string[]) => [...all, raw],
      [] as string[],
    )
    .option("--disabled", "keep the setting but send nothing")
    .action(action(set));
  leaf(group, "get", "where traces go (the host and header names, never their values)").action(
    action(get),
  );
  leaf(group, "delete", "stop sending traces").action(action(remove));
}

function headersOf(raw: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of raw) {
    const at = item.indexOf("=");
    if (at <= 0) throw new UsageError(`--header takes name=value, not "${item}"`);
    headers[item.slice(0, at).trim()] = item.slice(at + 1);
  }
  return headers;
}

async function set(ctx: Context, endpoint: string, opts: { header: string[]; disabled?: boolean }) {
  const saved = await call(
    ctx.api.telemetry.otlp.$put({
      json: { endpoint, headers: headersOf(opts.header), enabled: !opts.disabled },
    }),
  );
  if (ctx.json) printJson(saved);
  else say(`traces ${saved.enabled ? "go" : "would go (turned off)"} to ${saved.host}`);
  return undefined;
}

async function get(ctx: Context) {
  const otlp = await call(ctx.api.telemetry.otlp.$get());
  if (ctx.json) printJson(otlp);
  else {
    say(`endpoint host: ${otlp.host}${otlp.enabled ? "" : " (turned off)"}`);
    say(`headers: ${otlp.headerNames.join(", ") || "(none)"}`);
    say(`updated: ${formatTime(otlp.updatedAt)}`);
  }
  return undefined;
}

async function remove(ctx: Context) {
  await callEmpty(ctx.api.telemetry.otlp.$delete());
  if (ctx.json) printJson({ deleted: "otlp" });
  else say("traces are no longer sent");
  return undefined;
}
