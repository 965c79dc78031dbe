import { ReactFlowProvider } from "@xyflow/react";
import { lazy, Suspense, useMemo, useState } from "react";
import { kindOf } from "../../../core/kinds";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { useNodeTypes } from "../api/use-node-types";
import { isRunOver } from "../flow/status";
import { useUserNames } from "../people/use-users";
import { formatDuration, formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { ErrorNote, Loading } from "../ui/notes";
import { StatusBadge } from "../ui/StatusBadge";
import { useAsync } from "../ui/use-async";
import { navigate } from "../use-route";
import { ApprovalCard } from "./ApprovalCard";
import { attemptsOf } from "./attempts";
import { DeleteRunDialog } from "./DeleteRunDialog";
import { nodeEvents } from "./event-pages";
import { type MenuAt, NodeMenu } from "./NodeMenu";
import { NodePanel } from "./NodePanel";
import { PatchList } from "./PatchList";
import { ProposePatchDialog } from "./ProposePatchDialog";
import { runCanvas } from "./patched-graph";
import { RunCanvas } from "./RunCanvas";
import { RunSummary } from "./RunSummary";
import { Timeline } from "./Timeline";
import { useRun } from "./use-run";
import "./runs.css";

const TABS = ["details", "patches", "timeline"] as const;
type Tab = (typeof TABS)[number];

// Loaded when first shown: most visits look at the graph.
const RunWaterfall = lazy(() =>
  import("./RunWaterfall").then((m) => ({ default: m.RunWaterfall })),
);

/** How the run is drawn: its graph, or its attempts on a time axis. */
type RunShape = "graph" | "waterfall";

export function RunPage({ runId }: { runId: string }) {
  return (
    <ReactFlowProvider key={runId}>
      <RunScreen runId={runId} />
    </ReactFlowProvider>
  );
}

/**
 * The run graph (with what patches added) in live node colours, the selected node's details,
 * approvals, patches with their provenance, and events.
 */
function RunScreen({ runId }: { runId: string }) {
  const { client } = useSession();
  const run = useRun(runId);
  const kinds = useNodeTypes();
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("details");
  const [menu, setMenu] = useState<MenuAt | null>(null);
  const [shape, setShape] = useState<RunShape>("graph");
  const [proposing, setProposing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [held, setHeld] = useState<boolean | null>(null);
  const [action, setAction] = useState<{ busy: boolean; error: string | null }>({
    busy: false,
    error: null,
  });

  // The definition the run ran: its version's, or an archived run's own (its workflow may not
  // exist here).
  const loaded = run.view !== undefined;
  const definition = useAsync(async () => {
    if (!loaded) return null;
    return (await call(client.api.runs[":id"].definition.$get({ param: { id: runId } })))
      .definition;
  }, [client, runId, loaded]);

  const patches = run.view?.patches;
  // Only applied patches change the graph: recompute when that list changes, not on every snapshot.
  const appliedKey = (patches ?? [])
    .filter((p) => p.status === "applied")
    .map((p) => p.id)
    .join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: `appliedKey` stands for `patches`.
  const canvas = useMemo(
    () =>
      definition.data && kinds.catalog
        ? runCanvas(definition.data, patches ?? [], kinds.catalog.titles)
        : null,
    [definition.data, kinds.catalog, appliedKey],
  );

  const live = run.live;
  const over = live ? isRunOver(live.status) : false;

  // The selected node's own events (its attempts), read again when its state moves.
  const shown = selected ? live?.nodes[selected] : undefined;
  const nodeLog = useAsync(
    async () => (selected && shown ? nodeEvents(client, runId, selected) : null),
    [client, runId, selected, shown?.status, shown?.attempt, shown?.finishedAt],
  );

  const cancel = async () => {
    setAction({ busy: true, error: null });
    try {
      await call(client.api.runs[":id"].cancel.$post({ param: { id: runId } }));
      setAction({ busy: false, error: null });
    } catch (err) {
      setAction({ busy: false, error: `Not cancelled: ${describeError(err)}` });
    }
  };
  const hold = async (next: boolean) => {
    setAction({ busy: true, error: null });
    try {
      const body = await call(
        client.api.runs[":id"].hold.$put({ param: { id: runId }, json: { held: next } }),
      );
      setHeld(body.held);
      setAction({ busy: false, error: null });
    } catch (err) {
      setAction({ busy: false, error: `Hold not changed: ${describeError(err)}` });
    }
  };
  const replay = async (fromNode: string) => {
    setMenu(null);
    setAction({ busy: true, error: null });
    try {
      const started = await call(
        client.api.runs[":id"].replay.$post({ param: { id: runId }, json: { fromNode } }),
      );
      setAction({ busy: false, error: null });
      navigate({ page: "run", runId: started.runId });
    } catch (err) {
      setAction({ busy: false, error: `Replay not started: ${describeError(err)}` });
    }
  };

  // Names for the users a pending approval is assigned to (asked only when one names users).
  const names = useUserNames(
    (run.view?.approvals ?? []).some(
      (a) => a.status === "pending" && (a.approvers?.users?.length ?? 0) > 0,
    ),
  );

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
  const isHeld = held ?? view.held === true;
  // An archived run (imported from an export) is read-only: nothing runs, decides or patches it.
  const archived = view.archived;
  const canReplay = over && !archived;
  const pending = view.approvals.filter((a) => a.status === "pending");
  const node = selected ? live.nodes[selected] : undefined;
  const finished = view.finishedAt;
  const selectNode = (id: string) => {
    setSelected(id);
    setTab("details");
    setMenu(null);
  };
  const tabLabel = (t: Tab) =>
    t === "details"
      ? "Details"
      : t === "patches"
        ? `Patches (${view.patches.length})`
        : `Timeline (${live.seq})`;

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
                from <code>{view.replayOf.fromNode}</code> (
                <Link to={{ page: "compare", a: view.replayOf.sourceRunId, b: view.id }}>
                  Compare with source
                </Link>
                )
              </>
            )}
            {view.parent && (
              <>
                {" "}
                · child of{" "}
                <Link to={{ page: "run", runId: view.parent.runId }}>{view.parent.runId}</Link> at{" "}
                <code>{view.parent.nodeId}</code>
                {view.parent.item && ` (item ${view.parent.item.index})`}
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
        {over && (
          <>
            <a
              className="button"
              href={`/api/runs/${encodeURIComponent(view.id)}/export`}
              download={`run-${view.id}.aob.ndjson`}
              title="The run's whole record as one archive, to keep or import elsewhere"
            >
              Export
            </a>
            <button
              type="button"
              aria-pressed={isHeld}
              title="A held run is never deleted by retention"
              onClick={() => void hold(!isHeld)}
              disabled={action.busy}
            >
              {isHeld ? "Held: release" : "Hold"}
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => setDeleting(true)}
              disabled={action.busy}
            >
              Delete run
            </button>
          </>
        )}
      </header>
      {deleting && <DeleteRunDialog runId={view.id} onClose={() => setDeleting(false)} />}
      {archived && (
        <div className="banner banner-info" role="status">
          {/* One text: the banner lays its children out apart. */}
          <span>
            Archived run, imported {formatTime(archived.importedAt)} from run{" "}
            <code>{archived.sourceRunId}</code>
            {archived.workflowName && (
              <>
                {" "}
                of <strong>{archived.workflowName}</strong>
              </>
            )}
            : read-only, kept until deleted.
          </span>
        </div>
      )}
      {view.status === "queued" && view.queue && (
        <div className="banner banner-info" role="status" data-testid="queued-banner">
          <span>
            Queued: its workflow's concurrency limit is reached
            {view.queue.key !== null && (
              <>
                {" "}
                for key <code>{view.queue.key}</code>
              </>
            )}
            .{" "}
            {view.queue.position === null
              ? "It is leaving the queue."
              : `Number ${view.queue.position} in the queue; it starts when a slot frees.`}
          </span>
        </div>
      )}
      {(action.error || run.error) && (
        <div className="banner banner-error" role="alert">
          {action.error ?? run.error}
        </div>
      )}
      <div className="run-main">
        <div className="run-canvas">
          <fieldset className="run-view-bar">
            <legend className="sr-only">Show the run as</legend>
            {(["graph", "waterfall"] as const).map((v) => (
              <button
                key={v}
                type="button"
                className="small"
                aria-pressed={shape === v}
                onClick={() => {
                  setShape(v);
                  setMenu(null);
                }}
              >
                {v === "graph" ? "Graph" : "Waterfall"}
              </button>
            ))}
          </fieldset>
          <div className="run-view">
            {shape === "waterfall" ? (
              <Suspense fallback={<Loading what="the waterfall" />}>
                <RunWaterfall
                  runId={view.id}
                  listen={run.listen}
                  over={over}
                  selected={selected}
                  onSelect={selectNode}
                />
              </Suspense>
            ) : (
              <>
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
                    canReplay={canReplay && !action.busy}
                    onDetails={() => {
                      setSelected(menu.nodeId);
                      setTab("details");
                      setMenu(null);
                    }}
                    onReplay={() => void replay(menu.nodeId)}
                    onClose={() => setMenu(null)}
                  />
                )}
              </>
            )}
          </div>
        </div>
        <aside className="run-side" aria-label="Run details">
          {(archived ? [] : pending).map((a) => (
            <ApprovalCard
              key={`${a.nodeId}:${a.attempt}`}
              approval={{
                runId: view.id,
                nodeId: a.nodeId,
                message: a.message,
                form: a.form,
                required: a.required,
                votes: a.votes,
                approvers: a.approvers,
                rejectIf: a.rejectIf,
                budget: kindOf(live.nodes[a.nodeId]?.type ?? "")?.traits.model === true,
              }}
              names={names}
              onDecided={() => setSelected(a.nodeId)}
            />
          ))}
          <div className="tabs" role="tablist" aria-label="Run panels">
            {TABS.map((t, i) => (
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
                  const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
                  if (step === 0) return;
                  const next = TABS[(i + step + TABS.length) % TABS.length]!;
                  setTab(next);
                  document.getElementById(`tab-${next}`)?.focus();
                }}
              >
                {tabLabel(t)}
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
                runId={view.id}
                lastSeq={live.seq}
                startedAt={view.createdAt}
                onSelectNode={selectNode}
              />
            ) : tab === "patches" ? (
              <>
                <div className="patch-actions">
                  <button
                    type="button"
                    onClick={() => setProposing(true)}
                    disabled={over || !canvas}
                    aria-describedby={over ? "propose-patch-why" : undefined}
                  >
                    Propose patch…
                  </button>
                  {over && (
                    <span className="help" id="propose-patch-why">
                      {archived
                        ? "An archived run is read-only."
                        : "The run has ended: only a running or waiting run takes patches."}
                    </span>
                  )}
                </div>
                <PatchList
                  patches={view.patches}
                  onSelectNode={selectNode}
                  skipped={canvas?.skipped ?? []}
                />
              </>
            ) : node ? (
              <NodePanel
                runId={view.id}
                node={node}
                config={canvas?.nodes.find((n) => n.id === node.id)?.data.config}
                attempts={attemptsOf(nodeLog.data?.events ?? [], node.id)}
                patches={view.patches}
                stream={run.streams[node.id]}
                canReplay={canReplay}
                replaying={action.busy}
                onReplay={() => void replay(node.id)}
                onSelectNode={selectNode}
                onShowPatches={() => setTab("patches")}
              />
            ) : (
              <RunSummary
                live={live}
                output={view.output}
                error={view.error}
                usage={view.usage}
                patches={view.patches}
                onShowPatches={() => setTab("patches")}
                rewrites={view.optimiser?.rewrites}
              />
            )}
          </div>
        </aside>
      </div>
      {proposing && canvas && (
        <ProposePatchDialog
          runId={view.id}
          nodes={canvas.nodes.map((n) => ({
            id: n.id,
            kind: n.data.kind,
            config: n.data.config,
            status: live.nodes[n.id]?.status ?? "pending",
          }))}
          over={over}
          onApplied={() => {
            setProposing(false);
            setTab("patches");
          }}
          onClose={() => setProposing(false)}
        />
      )}
    </div>
  );
}
