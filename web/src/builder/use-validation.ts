import { useEffect, useMemo, useState } from "react";
import type { WorkflowDefinitionInput } from "../../../core/workflow/definition";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { type PlacedIssues, placeIssues } from "./issues";

/** How long the canvas must be still before it is validated again. */
const SETTLE_MS = 350;

export interface Validation {
  state: "idle" | "checking" | "valid" | "invalid" | "unavailable";
  issues: PlacedIssues;
  count: number;
  warnings: string[];
  /** Why validation could not run (the API is unreachable). */
  error: string | null;
}

const NONE: PlacedIssues = { nodes: {}, edges: {}, general: [] };

/**
 * Validates the definition with `POST /api/workflows/validate` whenever it changes (positions
 * aside), and places each problem on its node, field or edge. `override` shows the issues a
 * failed save returned until the next check.
 */
export function useValidation(
  definition: WorkflowDefinitionInput,
  order: { nodeIds: string[]; edgeIds: string[] },
) {
  const { client } = useSession();
  const key = useMemo(() => JSON.stringify({ ...definition, ui: undefined }), [definition]);
  const [validation, setValidation] = useState<Validation>({
    state: "idle",
    issues: NONE,
    count: 0,
    warnings: [],
    error: null,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the definition without positions; `order` follows it.
  useEffect(() => {
    if (definition.nodes.length === 0) {
      setValidation({ state: "idle", issues: NONE, count: 0, warnings: [], error: null });
      return;
    }
    let live = true;
    setValidation((v) => ({ ...v, state: "checking" }));
    const timer = window.setTimeout(() => {
      call(client.api.workflows.validate.$post({ json: definition })).then(
        (result) => {
          if (!live) return;
          setValidation({
            state: result.valid ? "valid" : "invalid",
            issues: placeIssues(result.errors, order.nodeIds, order.edgeIds),
            count: result.errors.length,
            warnings: result.warnings.map((w) => `${w.at}: ${w.message}`),
            error: null,
          });
        },
        (err: unknown) => {
          if (live)
            setValidation((v) => ({ ...v, state: "unavailable", error: describeError(err) }));
        },
      );
    }, SETTLE_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [key, client]);
  return validation;
}
