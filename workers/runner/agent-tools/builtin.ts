import { HttpRequestArgs, parsePatchArgs, refusal } from "../../../core/agents";
import { NonRetryableError } from "../../../core/errors";
import type { AgentTool } from "../../../core/kinds/agent";
import { HttpFetchError } from "../../../core/net";
import { fetchTextFor } from "../../../platform/fetch";
import type { ToolContext } from "./context";

/** Characters of a tool's result the model reads at most. */
export const TOOL_BODY_CHARS = 16_000;

/** The job's run has no state: nothing can accept this agent's answer, so another try cannot help. */
export function runGone(runId: string): NonRetryableError {
  return new NonRetryableError(
    "run_not_found",
    `run ${runId} does not exist (deleted, or never created): the agent was not started`,
  );
}

/** Runs one built-in tool call; its result (or refusal) is the text the model reads next. */
export async function runBuiltin(
  name: AgentTool,
  args: string,
  ctx: ToolContext,
  signal: AbortSignal,
): Promise<string> {
  switch (name) {
    case "get_workflow": {
      const current = await ctx.run.materialised();
      if (!current) throw runGone(ctx.job.runId);
      return JSON.stringify({ workflow: current.definition, statuses: current.statuses });
    }
    case "patch_workflow": {
      if (ctx.patchTool.refused >= ctx.config.maxPatchAttempts) {
        return JSON.stringify({
          status: "unavailable",
          message: `patch_workflow is closed for this step: ${ctx.patchTool.refused} patches were refused (maxPatchAttempts ${ctx.config.maxPatchAttempts})`,
        });
      }
      const parsed = parsePatchArgs(args);
      if (!parsed.ok) {
        ctx.patchTool.refused++;
        return parsed.message;
      }
      const result = await ctx.run.proposePatch(parsed.patch, {
        kind: "agent",
        nodeId: ctx.job.nodeId,
        attempt: ctx.job.attempt,
      });
      ctx.patchTool.refused += result.ok && result.patch.status === "applied" ? 0 : 1;
      if (!result.ok) return refusal([`${result.code}: ${result.message}`]);
      if (result.patch.status === "applied") {
        return JSON.stringify({ status: "applied", patchId: result.patch.id });
      }
      return refusal((result.patch.problems ?? []).map((p) => `${p.at}: ${p.message}`));
    }
    case "http_request":
      return httpRequest(args, ctx, signal);
  }
}

async function httpRequest(args: string, ctx: ToolContext, signal: AbortSignal): Promise<string> {
  let parsed: ReturnType<typeof HttpRequestArgs.safeParse>;
  try {
    parsed = HttpRequestArgs.safeParse(JSON.parse(args));
  } catch {
    return JSON.stringify({ error: "arguments are not JSON" });
  }
  if (!parsed.success) {
    return JSON.stringify({
      error: "invalid arguments",
      problems: parsed.error.issues.map(
        (i) => `${i.path.join(".") || "(arguments)"}: ${i.message}`,
      ),
    });
  }
  const { method, url, headers, body } = parsed.data;
  try {
    const res = await fetchTextFor(
      ctx.env,
      undefined,
      signal,
    )(url, {
      method,
      headers: headers ?? {},
      ...(body === undefined
        ? {}
        : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      timeoutMs: 30_000,
      maxResponseBytes: 1024 * 1024,
    });
    // Without a blob sink the body is always text.
    const raw = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: the text
    }
    return bounded(JSON.stringify({ status: res.status, body: value }));
  } catch (err) {
    const e =
      err instanceof HttpFetchError ? err.toJSON() : { code: "error", message: String(err) };
    return JSON.stringify({ error: e });
  }
}

/** A tool's result cut to what the model reads. */
export function bounded(text: string): string {
  return text.length > TOOL_BODY_CHARS ? `${text.slice(0, TOOL_BODY_CHARS)}… (truncated)` : text;
}
