import { ReactFlowProvider } from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { useNodeTypes } from "../api/use-node-types";
import { Link } from "../ui/Link";
import { ErrorNote, Loading } from "../ui/notes";
import { Builder } from "./Builder";
import { toCanvas } from "./convert";
import type { Doc } from "./doc";
import type { Saved } from "./WorkflowPanel";
import "./builder.css";

type Loaded =
  | { state: "loading" }
  | { state: "failed"; error: string }
  | { state: "ready"; doc: Doc; saved: Saved | null; token: string };

const EMPTY: Doc = { meta: { name: "Untitled workflow" }, nodes: [], edges: [] };

/**
 * Loads a workflow (or starts a new one) and the kind registry, then shows the builder. After
 * the builder saves, the URL changes to the saved workflow without loading it again.
 */
export function BuilderPage({
  workflowId,
  version,
}: {
  workflowId: string | null;
  version: number | null;
}) {
  const { client } = useSession();
  const kinds = useNodeTypes();
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  // What the builder shows, so that the URL change after a save does not load it again.
  const shown = useRef<{ id: string | null; version: number | null } | null>(null);

  useEffect(() => {
    const current = shown.current;
    if (current && current.id === workflowId && current.version === version) return;
    if (!kinds.catalog) return;
    const titles = kinds.catalog.titles;
    let live = true;
    let done = false;
    shown.current = { id: workflowId, version };
    if (workflowId === null) {
      setLoaded({ state: "ready", doc: EMPTY, saved: null, token: "new" });
      return undefined;
    }
    setLoaded({ state: "loading" });
    const query: { version?: string } = version === null ? {} : { version: String(version) };
    call(client.api.workflows[":id"].$get({ param: { id: workflowId }, query })).then(
      (wf) => {
        if (!live) return;
        done = true;
        setLoaded({
          state: "ready",
          doc: toCanvas(wf.definition, titles),
          saved: { id: wf.id, version: wf.version, latestVersion: wf.latestVersion },
          token: `${wf.id}@${wf.version}`,
        });
      },
      (err: unknown) => {
        if (live) setLoaded({ state: "failed", error: describeError(err) });
      },
    );
    return () => {
      live = false;
      // Interrupted (StrictMode's second mount, a new URL): let the next run load it.
      if (!done) shown.current = null;
    };
  }, [client, workflowId, version, kinds.catalog]);

  const onSaved = useCallback((saved: Saved) => {
    shown.current = { id: saved.id, version: null };
    setLoaded((l) => (l.state === "ready" ? { ...l, saved } : l));
  }, []);

  if (kinds.error) {
    return (
      <ErrorNote title="Cannot load the node kinds">
        {kinds.error}. Check that the API is running, then{" "}
        <button type="button" className="linkish" onClick={kinds.reload}>
          try again
        </button>
        .
      </ErrorNote>
    );
  }
  if (loaded.state === "failed") {
    return (
      <div className="page">
        <ErrorNote title="Cannot open this workflow">
          {loaded.error}. Pick one from the <Link to={{ page: "workflows" }}>workflow list</Link> or{" "}
          <Link to={{ page: "builder", workflowId: null, version: null }}>start a new one</Link>.
        </ErrorNote>
      </div>
    );
  }
  if (!kinds.catalog || loaded.state === "loading") return <Loading what="the workflow" />;
  return (
    <ReactFlowProvider key={loaded.token}>
      <Builder
        catalog={kinds.catalog}
        initial={loaded.doc}
        saved={loaded.saved}
        onSaved={onSaved}
      />
    </ReactFlowProvider>
  );
}
