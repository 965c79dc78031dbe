import { ReactFlowProvider } from "@xyflow/react";
import { useMemo, useState } from "react";
import type { WorkflowDefinitionInput } from "../../../core/workflow/definition";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { useNodeTypes } from "../api/use-node-types";
import { toCanvas } from "../builder/convert";
import { isRunOver } from "../flow/status";
import { formatDuration, formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { ErrorNote, Loading } from "../ui/notes";
import { StatusBadge } from "../ui/StatusBadge";
import { useAsync } from "../ui/use-async";
import { navigate } from "../use-route";
import { ApprovalCard } from "./ApprovalCard";
import { type MenuAt, NodeMenu } from "./NodeMenu";
import { NodePanel } from "./NodePanel";
import { RunCanvas } from "./RunCanvas";
import { RunSummary } from "./RunSummary";
import { Timeline } from "./Timeline";
import { useRun } from "./use-run";

type Tab = "details" | "timeline";

export function RunPage({ runId }: { runId: string }) {
  return (
    <ReactFlowProvider key={runId}>
      <RunScreen runId={runId} />
    </ReactFlowProvider>
  );
}

/** The run graph with live node colours, the selected node's details, approvals and events. */
function RunScreen({ runId }: { runId: string }) {
  const { client } = useSession();
  const run = useRun(runId);
  const kinds = useNodeTypes();
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("details");
  const [menu, setMenu] = useState<MenuAt | null>(null);
  const [action, setAction] = useState<{ busy: boolean; error: string | null }>({
    busy: false,
    error: null,
  });

  const workflowId = run.view?.workflowId;
  const version = run.view?.version;
  const definition = useAsync(async () => {
    if (!workflowId || version === undefined) return null;
    const args = { param: { id: workflowId, version: String(version) } };
    return (await call(client.api.workflows[":id"].versions[":version"].$get(args)))
      .definition as WorkflowDefinitionInput;
  }, [client, workflowId, version]);

  const canvas = useMemo(
    () =>
      definition.data && kinds.catalog ? toCanvas(definition.data, kinds.catalog.titles) : null,
    [definition.data, kinds.catalog],
  );

  const live = run.live;
  const over = live ? isRunOver(live.status) : false;

  const cancel = async () => {
    setAction({ busy: true, error: null });
    try {
      await call(client.api.runs[":id"].cancel.$post({ param: { id: runId } }));
      setAction({ busy: false, error: null });
    } catch (err) {
      setAction({ busy: false, error: `Not cancelled: ${describeError(err)}` });
    }
  };
  const replay = async (fromNode: string) => {
    setMenu(null);
    setAction({ busy: true, error: null });
    try {
      const args = { param: { id: runId }, json: { fromNode } };
      const started = await call(client.api.runs[":id"].replay.$post(args));
      setAction({ busy: false, error: null });
      navigate({ page: "run", runId: started.runId });
    } catch (err) {
      setAction({ busy: false, error: `Replay not started: ${describeError(err)}` });
    }
  };

  if (run.error && !run.view) {
    return (
      <div className="page">
        <ErrorNote title={`Cannot show run ${runId}`}>
          {run.error}. Check the id, or pick a run from the{" "}
          <Link to={{ page: "runs", status: null, workflowId: null }}>run list</Link>.
        </ErrorNote>
      </div>
    );
  }
  if (!run.view || !live) return <Loading what="the run" />;

  const view = run.view;
  const pending = view.approvals.filter((a) => a.status === "pending");
  const node = selected ? live.nodes[selected] : undefined;
  const finished = view.finishedAt;

  return (
    <div className="run-page">
      <header className="run-head">
        <div>
          <h1>
            Run <code>{view.id}</code>
          </h1>
          <p className="muted">
            <Link to={{ page: "builder", workflowId: view.workflowId, version: view.version }}>
              {view.workflowId} v{view.version}
            </Link>{" "}
            · started {formatTime(view.createdAt)}
            {finished !== undefined && ` · took ${formatDuration(finished - view.createdAt)}`}
            {view.replayOf && (
              <>
                {" "}
                · replay of{" "}
                <Link to={{ page: "run", runId: view.replayOf.sourceRunId }}>
                  {view.replayOf.sourceRunId}
                </Link>{" "}
                from <code>{view.replayOf.fromNode}</code>
              </>
            )}
          </p>
        </div>
        <span className="spacer" />
        <span className={`conn conn-${run.connection}`} aria-live="polite">
          {run.connection === "live"
            ? "● live"
            : run.connection === "offline"
              ? over
                ? "ended"
                : "offline"
              : `${run.connection}…`}
        </span>
        {run.connection === "offline" && !over && (
          <button type="button" onClick={run.reload}>
            Reconnect
          </button>
        )}
        <span data-testid="run-status">
          <StatusBadge status={live.status} />
        </span>
        {!over && (
          <button
            type="button"
            className="danger"
            onClick={() => void cancel()}
            disabled={action.busy}
          >
            Cancel run
          </button>
        )}
      </header>
      {(action.error || run.error) && (
        <div className="banner banner-error" role="alert">
          {action.error ?? run.error}
        </div>
      )}
      <div className="run-main">
        <div className="run-canvas">
          {definition.error && (
            <ErrorNote title="Cannot load the workflow version of this run">
              {definition.error}
            </ErrorNote>
          )}
          {canvas ? (
            <RunCanvas
              canvas={canvas}
              live={live}
              selected={selected}
              onSelect={(id) => {
                setSelected(id);
                setTab("details");
                setMenu(null);
              }}
              onMenu={setMenu}
            />
          ) : (
            !definition.error && <Loading what="the graph" />
          )}
          {menu && (
            <NodeMenu
              menu={menu}
              canReplay={over && !action.busy}
              onDetails={() => {
                setSelected(menu.nodeId);
                setTab("details");
                setMenu(null);
              }}
              onReplay={() => void replay(menu.nodeId)}
              onClose={() => setMenu(null)}
            />
          )}
        </div>
        <aside className="run-side" aria-label="Run details">
          {pending.map((a) => (
            <ApprovalCard
              key={`${a.nodeId}:${a.attempt}`}
              approval={{
                runId: view.id,
                nodeId: a.nodeId,
                message: a.message,
                form: a.form,
                required: a.required,
                votes: a.votes.length,
              }}
              onDecided={() => setSelected(a.nodeId)}
            />
          ))}
          <div className="tabs" role="tablist" aria-label="Run panels">
            {(["details", "timeline"] as const).map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                id={`tab-${t}`}
                aria-selected={tab === t}
                aria-controls={`panel-${t}`}
                tabIndex={tab === t ? 0 : -1}
                onClick={() => setTab(t)}
                onKeyDown={(e) => {
                  if (e.key === "ArrowRight" || e.key === "ArrowLeft")
                    setTab(t === "details" ? "timeline" : "details");
                }}
              >
                {t === "details" ? "Details" : `Timeline (${run.events.length})`}
              </button>
            ))}
          </div>
          <div
            role="tabpanel"
            id={`panel-${tab}`}
            aria-labelledby={`tab-${tab}`}
            className="tabpanel"
          >
            {tab === "timeline" ? (
              <Timeline
                events={run.events}
                onSelectNode={(id) => {
                  setSelected(id);
                  setTab("details");
                }}
              />
            ) : node ? (
              <NodePanel
                node={node}
                canReplay={over}
                replaying={action.busy}
                onReplay={() => void replay(node.id)}
              />
            ) : (
              <RunSummary
                live={live}
                output={view.output}
                error={view.error}
                rewrites={view.optimiser?.rewrites}
              />
            )}
          </div>
        </aside>
      </div>
    </div>
  );
}
