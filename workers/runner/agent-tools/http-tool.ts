import { argumentsShown, parseToolArgs } from "../../../core/agents/tool-args";
import { toNodeError } from "../../../core/errors";
import type { HttpOutput } from "../../../core/executors/http";
import { DEFAULT_EXPRESSION_TIMEOUT_MS } from "../../../core/expressions/limits";
import { renderTemplates } from "../../../core/expressions/template";
import { type SecretPlan, showSecretRefs } from "../../../core/secrets/refs";
import type { ToolCall } from "../../../core/wire/tool-call";
import { executeHttpText } from "../../../platform/http-executor";
import { bounded } from "./builtin";
import type { ToolContext } from "./context";

/** The largest response a custom http tool reads (the model reads at most 16,000 characters). */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** A call's answer for the model, and what its run event records. */
export interface Answered {
  content: string;
  record: Pick<ToolCall, "ok" | "result" | "arguments"> & Partial<Pick<ToolCall, "request">>;
}

/**
 * Calls the node's custom http tool `index`: the model's arguments are checked against the
 * tool's JSON Schema (a problem goes back to the model), the request template is rendered with
 * them as `args`, and it is sent like an http node's request: through the guarded fetch, with
 * the secrets the workflow wrote in the template resolved only there and only to their hosts.
 * Any status answers the model (`{ status, body }`); a refusal or a network error too.
 */
export async function callHttpTool(
  ctx: ToolContext,
  index: number,
  argsText: string,
  within: { timeoutMs: number; signal: AbortSignal },
): Promise<Answered> {
  const tool = ctx.config.httpTools[index]!;
  const parsed = parseToolArgs(argsText, tool.parameters);
  if (!parsed.ok) return refused(parsed.error, argumentsShown(argsText));
  const { args } = parsed;
  const plan = planOf(ctx.job.secrets, index);
  let request: Record<string, unknown>;
  try {
    request = (await renderTemplates(
      tool.request,
      { args },
      { timeoutMs: DEFAULT_EXPRESSION_TIMEOUT_MS },
    )) as Record<string, unknown>;
  } catch (err) {
    const { code, message } = toNodeError(err);
    return refused({ error: `the tool's request did not render: ${message}`, code }, args);
  }
  const shown = shownRequest(showSecretRefs(request, plan));
  try {
    const output = (await executeHttpText(
      ctx.env,
      ctx.job.tenantId,
      { ...request, failOnStatus: false, maxResponseBytes: MAX_RESPONSE_BYTES },
      { plan, timeoutMs: within.timeoutMs, signal: within.signal },
    )) as HttpOutput;
    const content = bounded(JSON.stringify({ status: output.status, body: output.body }));
    return {
      content,
      record: { ok: output.status < 400, result: content, arguments: args, request: shown },
    };
  } catch (err) {
    const { code, message } = toNodeError(err);
    const content = JSON.stringify({ error: { code, message } });
    return { content, record: { ok: false, result: content, arguments: args, request: shown } };
  }
}

function refused(error: Record<string, unknown>, args: unknown): Answered {
  const content = JSON.stringify(error);
  return { content, record: { ok: false, result: content, arguments: args } };
}

/**
 * The part of the job's secret plan that declares tool `index`'s request, with paths relative
 * to the request: the only places its secrets may be resolved.
 */
function planOf(plan: SecretPlan | undefined, index: number): SecretPlan | undefined {
  if (!plan) return undefined;
  const prefix = ["httpTools", index, "request"];
  const fields = plan.fields
    .filter((f) => prefix.every((p, i) => f.path[i] === p))
    .map((f) => ({ ...f, path: f.path.slice(prefix.length) }));
  return { nonce: plan.nonce, fields };
}

/** The request as recorded: method, URL with its query, headers; secrets as references. */
function shownRequest(request: Record<string, unknown>): NonNullable<ToolCall["request"]> {
  let url = String(request.url ?? "");
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (Object.keys(query).length > 0) {
    const q = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    url += `${url.includes("?") ? "&" : "?"}${q}`;
  }
  const headers = Object.fromEntries(
    Object.entries((request.headers ?? {}) as Record<string, unknown>).map(([k, v]) => [
      k,
      String(v),
    ]),
  );
  return { method: String(request.method ?? "GET"), url, headers };
}
