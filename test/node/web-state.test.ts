import { describe, expect, it } from "vitest";
import { describeKinds } from "../../core/kinds";
import type { RunEvent } from "../../core/wire/frames";
import type { NodeView } from "../../core/wire/node-view";
import { emptyHistory, record, redo, undo } from "../../web/src/builder/history";
import { placeIssues } from "../../web/src/builder/issues";
import { freeSpot, initialConfig, nextNodeId } from "../../web/src/builder/new-node";
import { edgeView } from "../../web/src/flow/edge-view";
import { formatRoute, parseRoute, type Route } from "../../web/src/route";
import { applyEvent, applyEvents, edgeFired, fromSnapshot } from "../../web/src/runs/run-state";
import { asSchema, fieldKind } from "../../web/src/schema/json-schema";

describe("undo history", () => {
  it("undoes and redoes whole steps, and coalesces edits with the same key", () => {
    let h = emptyHistory<string>();
    h = record(h, "a"); // a -> b
    h = record(h, "b", "field"); // b -> bc
    h = record(h, "bc", "field"); // bc -> bcd: same key, same step
    const back = undo(h, "bcd")!;
    expect(back.state).toBe("b");
    const forward = redo(back.history, back.state)!;
    expect(forward.state).toBe("bcd");
    const twice = undo(undo(h, "bcd")!.history, "b")!;
    expect(twice.state).toBe("a");
    expect(undo(twice.history, "a")).toBeNull();
  });

  it("clears redo on a new change", () => {
    const h = undo(record(emptyHistory<number>(), 1), 2)!.history;
    expect(record(h, 1).future).toEqual([]);
  });
});

describe("placing validation issues", () => {
  it("puts config issues on the node and field, edge issues on the edge, the rest aside", () => {
    const placed = placeIssues(
      [
        { path: ["nodes", 1, "config", "url"], at: "nodes[1].config.url", message: "too small" },
        { path: ["nodes", 0], at: "nodes[0]", message: "unreachable" },
        { path: ["edges", 0, "on"], at: "edges[0].on", message: "need on" },
        { path: ["name"], at: "name", message: "required" },
      ],
      ["start", "get"],
      ["e0"],
    );
    expect(placed.nodes.get).toEqual([{ field: "url", subPath: [], message: "too small" }]);
    expect(placed.nodes.start).toEqual([{ message: "unreachable" }]);
    expect(placed.edges.e0).toEqual(["need on"]);
    expect(placed.general).toEqual(["name: required"]);
  });
});

describe("new nodes", () => {
  it("get free ids that follow the id rule", () => {
    expect(nextNodeId("transform", new Set())).toBe("transform");
    expect(nextNodeId("transform", new Set(["transform", "transform_2"]))).toBe("transform_3");
    expect(nextNodeId("Sub-Workflow", new Set())).toBe("sub_workflow");
  });

  it("added without a pointer, land on a free spot", () => {
    expect(freeSpot({ x: 0, y: 0 }, [])).toEqual({ x: 0, y: 0 });
    const taken = [{ x: 0, y: 0 }];
    const spot = freeSpot({ x: 10, y: 10 }, taken);
    expect(spot).not.toEqual({ x: 10, y: 10 });
    expect(freeSpot(spot, [...taken, spot])).not.toEqual(spot);
  });

  it("start from each kind's defaults and show required fields", () => {
    const kinds = new Map(describeKinds().map((k) => [k.type, k.configSchema]));
    expect(initialConfig(kinds.get("http"))).toEqual({
      method: "GET",
      url: "",
      failOnStatus: true,
      mode: "auto",
    });
    expect(initialConfig(kinds.get("switch"))).toEqual({ expression: "", cases: [] });
    expect(initialConfig(kinds.get("join"))).toEqual({});
  });

  it("render kind config fields with a widget per type and JSON for the rest", () => {
    const http = describeKinds().find((k) => k.type === "http")!.configSchema as {
      properties: Record<string, object>;
    };
    const kinds = Object.fromEntries(
      Object.entries(http.properties).map(([name, s]) => [name, fieldKind(name, s).kind]),
    );
    expect(kinds).toEqual({
      method: "enum",
      url: "string",
      headers: "json",
      query: "json",
      body: "json",
      failOnStatus: "boolean",
      mode: "enum",
      maxResponseBytes: "number",
      // `{ ttlSeconds }`: the semantic cache (docs/OPTIMISER.md), a nested form.
      cache: "object",
      // attempt | node | off (core/net/idempotency-key.ts): a select.
      idempotencyKey: "enum",
    });
  });

  it("let an approval's approvers, quorum and rejection rule be set field by field", () => {
    const approval = asSchema(describeKinds().find((k) => k.type === "approval")!.configSchema);
    const { approvers, quorum, rejectIf } = approval.properties ?? {};
    expect(fieldKind("approvers", approvers!).kind).toBe("object");
    expect(fieldKind("quorum", quorum!)).toEqual({ kind: "number", integer: true });
    expect(fieldKind("rejectIf", rejectIf!)).toEqual({
      kind: "enum",
      options: ["any", "majority"],
    });
    const sub = approvers!.properties ?? {};
    // Users by id or email, one per line; roles as checkboxes of the five roles.
    expect(fieldKind("users", sub.users!)).toEqual({ kind: "string-list" });
    expect(fieldKind("roles", sub.roles!)).toEqual({
      kind: "enum-list",
      options: ["admin", "editor", "operator", "approver", "viewer"],
    });
  });
});

describe("live run state at scale", () => {
  it("folds a frame of many events like one event at a time, without changing its input", () => {
    const count = 300;
    const nodes: NodeView[] = [
      { id: "start", type: "start", status: "succeeded", attempt: 1, iteration: 0 },
    ];
    for (let i = 0; i < count; i++) {
      nodes.push({ id: `t${i}`, type: "transform", status: "pending", attempt: 0, iteration: 0 });
    }
    const base = fromSnapshot({ status: "waiting", lastSeq: 1, nodes });
    const events: RunEvent[] = [];
    let seq = 1;
    for (let i = 0; i < count; i++) {
      const nodeId = `t${i}`;
      events.push({ seq: ++seq, type: "node_queued", at: seq, nodeId, data: { attempt: 1 } });
      events.push({ seq: ++seq, type: "node_started", at: seq, nodeId, data: { attempt: 1 } });
      events.push({ seq: ++seq, type: "node_succeeded", at: seq, nodeId, data: { attempt: 1 } });
    }
    const half = events.slice(0, count * 3 - 2);
    const batched = applyEvents(base, half);
    const stepwise = half.reduce(applyEvent, base);
    expect(batched).toEqual(stepwise);
    expect(batched.status).toBe("running");
    expect(base.nodes.t0!.status).toBe("pending");
    const done = applyEvents(batched, [
      ...events.slice(-3),
      { seq: ++seq, type: "run_completed", at: seq },
    ]);
    expect(Object.values(done.nodes).filter((n) => n.status === "succeeded")).toHaveLength(
      count + 1,
    );
    expect(done.status).toBe("completed");
  });
});

describe("live run state", () => {
  const snapshot = {
    status: "running" as const,
    lastSeq: 3,
    nodes: [
      { id: "start", type: "start", status: "succeeded", attempt: 1, iteration: 0 },
      { id: "ask", type: "approval", status: "running", attempt: 1, iteration: 0 },
      { id: "yes", type: "transform", status: "pending", attempt: 0, iteration: 0 },
      { id: "no", type: "transform", status: "pending", attempt: 0, iteration: 0 },
    ] satisfies NodeView[],
  };

  it("folds events after the snapshot and ignores those it already holds", () => {
    const live = applyEvents(fromSnapshot(snapshot), [
      { seq: 2, type: "node_failed", at: 1, nodeId: "start" },
      { seq: 4, type: "node_waiting", at: 2, nodeId: "ask", data: { reason: "approval" } },
    ]);
    expect(live.nodes.start!.status).toBe("succeeded");
    expect(live.nodes.ask!.status).toBe("waiting");
    expect(live.status).toBe("waiting");
    const after = applyEvents(live, [
      {
        seq: 5,
        type: "node_succeeded",
        at: 3,
        nodeId: "ask",
        data: { attempt: 1, port: "approved" },
      },
      { seq: 6, type: "node_started", at: 3, nodeId: "yes", data: { attempt: 1, startedAt: 3 } },
      { seq: 7, type: "node_skipped", at: 3, nodeId: "no", data: { reason: "no_branch_taken" } },
    ]);
    expect(after.nodes.ask).toMatchObject({ status: "succeeded", port: "approved" });
    expect(after.nodes.yes).toMatchObject({ status: "running", attempt: 1, startedAt: 3 });
    expect(after.nodes.no!.status).toBe("skipped");
    expect(after.status).toBe("running");
  });

  it("shows what a wait node waits for while it waits, and forgets it once it took the event", () => {
    const live = applyEvents(fromSnapshot(snapshot), [
      {
        seq: 4,
        type: "node_waiting",
        at: 2,
        nodeId: "ask",
        data: { reason: "event", event: "order.paid", key: "A1", expiresAt: null, url: "/u" },
      },
    ]);
    expect(live.nodes.ask!.waitingFor).toEqual({
      event: "order.paid",
      key: "A1",
      expiresAt: null,
      url: "/u",
    });
    const took = applyEvents(live, [
      { seq: 5, type: "node_succeeded", at: 3, nodeId: "ask", data: { port: "received" } },
    ]);
    expect(took.nodes.ask!.waitingFor).toBeUndefined();
  });

  it("keeps the optimiser's marks through later events, so the node panel can say why", () => {
    const optimised = {
      ...snapshot,
      nodes: [
        ...snapshot.nodes,
        {
          id: "debug",
          type: "transform",
          status: "pending",
          attempt: 0,
          iteration: 0,
          omit: { pass: "eliminate_dead", reason: "no side effect" },
        },
        {
          id: "next",
          type: "transform",
          status: "pending",
          attempt: 0,
          iteration: 0,
          fusedInto: "yes",
        },
      ] satisfies NodeView[],
    };
    const live = applyEvents(fromSnapshot(optimised), [
      { seq: 4, type: "node_skipped", at: 2, nodeId: "debug", data: { reason: "optimised_out" } },
    ]);
    expect(live.nodes.debug).toMatchObject({
      status: "skipped",
      omit: { pass: "eliminate_dead", reason: "no side effect" },
    });
    expect(live.nodes.next!.fusedInto).toBe("yes");
  });

  it("marks active nodes cancelled when the run is cancelled, and keeps errors of failures", () => {
    const live = applyEvents(fromSnapshot(snapshot), [
      {
        seq: 4,
        type: "node_failed",
        at: 5,
        nodeId: "yes",
        data: { attempt: 1, error: { code: "boom", message: "it broke", retryable: false } },
      },
      { seq: 5, type: "run_cancelled", at: 6, data: {} },
    ]);
    expect(live.nodes.ask!.status).toBe("cancelled");
    expect(live.nodes.yes!.error).toEqual({ code: "boom", message: "it broke", retryable: false });
    expect(live.status).toBe("cancelled");
  });
});

describe("edges", () => {
  it("show their port, loop limit and first problem, and which ones fired", () => {
    const edge = {
      id: "e",
      source: "more",
      target: "tick",
      sourceHandle: "true",
      data: { loop: { maxIterations: 5 } },
    };
    const view = edgeView(edge, { issues: ["bad"], taken: true });
    expect(view.label).toBe("true · loop ≤ 5 · ⚠ bad");
    expect(view.className).toBe("edge-loop edge-invalid edge-taken");
    expect(view.type).toBe("smoothstep");
    expect(edgeView({ id: "f", source: "a", target: "b", sourceHandle: "success" }).label).toBe(
      undefined,
    );
    const node = { id: "ask", type: "approval", attempt: 1 };
    expect(edgeFired("approved", { ...node, status: "succeeded", port: "approved" })).toBe(true);
    expect(edgeFired("rejected", { ...node, status: "succeeded", port: "approved" })).toBe(false);
    expect(edgeFired("success", { ...node, status: "succeeded", port: null })).toBe(true);
    expect(edgeFired("error", { ...node, status: "failed" })).toBe(true);
    expect(edgeFired("success", { ...node, status: "running" })).toBe(false);
  });
});

describe("routes", () => {
  it("round-trip through URLs", () => {
    const routes: Route[] = [
      { page: "workflows" },
      { page: "builder", workflowId: null, version: null },
      { page: "builder", workflowId: "wf_1", version: 3 },
      { page: "runs", status: "failed", workflowId: null, trigger: null, from: null, to: null },
      {
        page: "runs",
        status: null,
        workflowId: "wf_1",
        trigger: "subworkflow",
        from: 1_796_000_000_000,
        to: 1_796_100_000_000,
      },
      { page: "run", runId: "run_1" },
      { page: "approvals", whose: "me" },
      { page: "approvals", whose: "anyone" },
      { page: "secrets" },
      { page: "notifications" },
      { page: "mcp-servers" },
      { page: "users" },
      { page: "audit", action: null, userId: null },
      { page: "audit", action: "key.create", userId: "usr_1" },
      { page: "status" },
    ];
    for (const r of routes) {
      const url = new URL(formatRoute(r), "http://x");
      expect(parseRoute(url.pathname, url.search)).toEqual(r);
    }
    expect(parseRoute("/audit", "?action=key.eat&userId=")).toEqual({
      page: "audit",
      action: null,
      userId: null,
    });
    expect(parseRoute("/runs", "?status=bogus&trigger=bogus&from=-1")).toEqual({
      page: "runs",
      status: null,
      workflowId: null,
      trigger: null,
      from: null,
      to: null,
    });
  });
});
