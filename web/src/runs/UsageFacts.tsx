import { formatCost, formatTokens, type UsageInfo } from "./attempts";

/**
 * Model usage as facts: tokens (prompt, completion, cached), model calls, cost, and the run's
 * budget when it has one.
 */
export function UsageFacts({
  usage,
  budget,
  testId,
}: {
  usage: UsageInfo;
  budget?: { tokens?: number | undefined; costUsd?: number | undefined } | undefined;
  testId: string;
}) {
  return (
    <dl className="facts" data-testid={testId}>
      <dt>Tokens</dt>
      <dd>
        {formatTokens(usage)}{" "}
        <span className="muted">
          ({usage.promptTokens.toLocaleString("en-US")} prompt,{" "}
          {usage.completionTokens.toLocaleString("en-US")} completion
          {usage.cachedTokens > 0 && `, ${usage.cachedTokens.toLocaleString("en-US")} cached`})
        </span>
      </dd>
      <dt>Calls</dt>
      <dd>{usage.calls}</dd>
      <dt>Cost</dt>
      <dd>{formatCost(usage.costUsd)}</dd>
      {budget && (
        <>
          <dt>Budget</dt>
          <dd>
            {[
              budget.tokens !== undefined
                ? `${formatTokens(usage)} of ${budget.tokens.toLocaleString("en-US")} tokens`
                : null,
              budget.costUsd !== undefined
                ? `${formatCost(usage.costUsd ?? 0)} of ${formatCost(budget.costUsd)}`
                : null,
            ]
              .filter(Boolean)
              .join("; ")}
          </dd>
        </>
      )}
    </dl>
  );
}
