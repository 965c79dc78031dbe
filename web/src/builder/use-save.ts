import { useCallback, useState } from "react";
import type { WorkflowDefinitionInput } from "../../../core/workflow/definition";
import { ApiFailure, call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { navigate } from "../use-route";
import type { Saved } from "./WorkflowPanel";

export type Banner = { kind: "error" | "ok"; text: string } | null;

/**
 * Saving: `POST /api/workflows` the first time (version 1), `PUT /api/workflows/:id` after (a new
 * version). Tracks what was saved, so the builder knows about unsaved changes.
 */
export function useSave(
  definition: WorkflowDefinitionInput,
  saved: Saved | null,
  onSaved: (saved: Saved) => void,
) {
  const { client } = useSession();
  const [savedJson, setSavedJson] = useState(() => (saved ? JSON.stringify(definition) : null));
  const [busy, setBusy] = useState(false);
  const [banner, setBanner] = useState<Banner>(null);

  const save = useCallback(async () => {
    if (busy) return;
    setBusy(true);
    setBanner(null);
    try {
      let next: Saved;
      if (!saved) {
        const created = await call(client.api.workflows.$post({ json: definition }));
        next = { id: created.id, version: created.version, latestVersion: created.version };
      } else {
        const updated = await call(
          client.api.workflows[":id"].$put({ param: { id: saved.id }, json: definition }),
        );
        next = { id: saved.id, version: updated.version, latestVersion: updated.version };
      }
      setSavedJson(JSON.stringify(definition));
      setBanner({ kind: "ok", text: `Saved as version ${next.version}.` });
      onSaved(next);
      navigate({ page: "builder", workflowId: next.id, version: null }, { replace: true });
    } catch (err) {
      const n = err instanceof ApiFailure ? err.issues.length : 0;
      setBanner({
        kind: "error",
        text:
          n > 0
            ? `Not saved: ${n} problem${n === 1 ? "" : "s"} to fix first; they are marked on the nodes and edges.`
            : `Not saved: ${describeError(err)}`,
      });
    } finally {
      setBusy(false);
    }
  }, [busy, client, definition, onSaved, saved]);

  const dirty = savedJson !== JSON.stringify(definition);
  return { save, busy, banner, dismiss: () => setBanner(null), dirty };
}
