import { z } from "@hono/zod-openapi";
import { page } from "../../../core/wire/cursor";
import { WS_MIN_WINDOW, WS_WINDOW } from "../../../core/wire/frames";
import type { WorkflowDefinition } from "../../../core/workflow/definition";
import { gateOfQueued, runHeld } from "../../../db/runs";
import { findVersion } from "../../../db/workflows";
import { gateObject } from "../../../durable-objects/gate/gates";
import { audit } from "../audit";
import { ApiError, notFound } from "../errors";
import * as example from "../examples/runs";
import { admitRun } from "../rate-limit";
import { apiRoute, routes } from "../route";
import { openRunSocket } from "../run-socket";
import { runStub } from "../run-stub";
import { errors, json, jsonBody } from "../schemas/error";
import { cursorOf, cursorQuery, IdParam, intString, limitQuery } from "../schemas/params";
import {
  EventList,
  ReplayBody,
  Replayed,
  RunDefinition,
  RunList,
  RunView,
  ServerFrame,
} from "../schemas/run";
import { RunFilter, runPage } from "../services/run-filter";
import { objectView, viewOf } from "../services/run-view";
import { startRun } from "../services/start-run";
import { loadVersion } from "../services/workflows";

const Id = z.object({ id: IdParam });
const after = intString(0, Number.MAX_SAFE_INTEGER)
  .default(0)
  .openapi({ description: "Only events with a greater `seq`" });
const window = intString(WS_MIN_WINDOW, Number.MAX_SAFE_INTEGER)
  .optional()
  .openapi({
    description: `The socket's send buffer in characters of event frames (at most ${WS_WINDOW}, the default; larger asks get the default)`,
  });
const tags = ["runs"];
/** Events one page of `GET /runs/{id}/events` holds at most. */
const MAX_EVENTS_PAGE = 5000;

export const runRoutes = routes()
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/runs",
      operationId: "listRuns",
      summary: "List runs, newest first (from D1)",
      tags,
      request: {
        query: RunFilter.extend({ limit: limitQuery(50, 500) }),
      },
      responses: { 200: json(RunList, "The runs", example.runs), ...errors(400) },
    }),
    async (c) => {
      const { limit, ...filter } = c.req.valid("query");
      const { items, nextCursor } = await runPage(c.env.DB, c.get("tenantId"), limit, filter);
      return c.json(
        {
          nextCursor,
          runs: items.map(
            ({ tenantId: _t, deletingAt: _d, archivedAt: _a, held, error, ...r }) => ({
              ...r,
              held: held === 1,
              error: error
                ? (JSON.parse(error) as { code: string; message: string; retryable: boolean })
                : null,
            }),
          ),
        },
        200,
      );
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/runs/{id}",
      operationId: "getRun",
      summary: "One run with its node states, outputs and approvals",
      tags,
      request: { params: Id },
      responses: { 200: json(RunView, "The run", example.waitingRun), ...errors(404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const tenantId = c.get("tenantId");
      const [run, held] = await Promise.all([
        runStub(c.env, tenantId, id).then((stub) => viewOf(c.env, tenantId, stub, id)),
        runHeld(c.env.DB, tenantId, id),
      ]);
      return c.json({ ...run, held }, 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/runs/{id}/definition",
      operationId: "getRunDefinition",
      summary: "The definition the run ran",
      description:
        'Its version\'s definition, without the patches applied during the run (they are in `GET /api/runs/{id}/patches`). An archived run answers the definition its archive holds (`source: "archive"`): the workflow it ran may not exist here.',
      tags,
      request: { params: Id },
      responses: {
        200: json(RunDefinition, "The definition", example.runDefinition),
        ...errors(404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const tenantId = c.get("tenantId");
      const stub = await runStub(c.env, tenantId, id);
      // A queued run has no object yet: its D1 row names its version (viewOf).
      const run = await viewOf(c.env, tenantId, stub, id);
      const base = { workflowId: run.workflowId, version: run.version };
      if (run.archived) {
        const definition = (await stub.archivedDefinition()) as WorkflowDefinition;
        return c.json({ ...base, definition, source: "archive" as const }, 200);
      }
      const row = await findVersion(c.env.DB, run.workflowId, run.version);
      if (!row) throw notFound(`version ${run.version} of workflow ${run.workflowId}`);
      // Stored only after it validated against WorkflowDefinition.
      const definition = JSON.parse(row.definition) as WorkflowDefinition;
      return c.json({ ...base, definition, source: "version" as const }, 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/runs/{id}/events",
      operationId: "listRunEvents",
      summary: "The run's event log after `seq` N, one page at a time",
      description: `Pages of at most \`limit\` events (up to ${MAX_EVENTS_PAGE}) in \`seq\` order; \`next\` is the \`after\` of the next page and \`nextCursor\` the \`cursor\` of it, both null at the end. \`nodeId\` keeps one node's events.`,
      tags,
      request: {
        params: Id,
        query: z.object({
          after,
          limit: limitQuery(1000, MAX_EVENTS_PAGE),
          nodeId: z.string().min(1).optional().openapi({ description: "Only this node's events" }),
          cursor: cursorQuery(["n"]),
        }),
      },
      responses: {
        200: json(EventList, "The events, in `seq` order", example.events),
        ...errors(400, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const stub = await runStub(c.env, c.get("tenantId"), id);
      const { limit, nodeId, cursor } = c.req.valid("query");
      const after = cursorOf<[number]>(cursor, ["n"])?.[0] ?? c.req.valid("query").after;
      // One more than asked tells whether a next page exists without a second call.
      const events = await stub.events(after, limit + 1, nodeId);
      const { items, nextCursor } = page(events, limit, (e) => [e.seq]);
      return c.json(
        { events: items, next: nextCursor ? items.at(-1)!.seq : null, nextCursor },
        200,
      );
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/runs/{id}/ws",
      operationId: "watchRun",
      summary: "Live events over a WebSocket",
      description:
        'A WebSocket upgrade. After `hello`, `events` frames carry the run\'s events after `seq` N, each frame the events of one engine turn (or one page of the backlog). A frame with `ack: true` asks for `{"type":"ack","seq":<its last seq>}`: a socket with half its `window` unacknowledged is sent nothing more until it acks, then catches up from the log. Authenticated like any call: `Authorization: Bearer` (the CLI), or in a browser the session cookie, which a same-origin upgrade carries. A credential in the URL (`?key=`) is refused. The socket closes with code 4401 when its key is revoked or its session expires.',
      tags,
      request: { params: Id, query: z.object({ after, window }) },
      responses: {
        101: {
          description:
            "Switching protocols: JSON text frames follow, each a `ServerFrame` (components)",
        },
        ...errors(400, 404, 426),
      },
    }),
    async (c) => {
      if (c.req.header("upgrade") !== "websocket") {
        throw new ApiError(426, "bad_request", "this endpoint needs a WebSocket upgrade");
      }
      const { after, window } = c.req.valid("query");
      return openRunSocket(c, c.req.valid("param").id, after, window);
    },
  )
  .openapi(
    apiRoute("run", {
      method: "post",
      path: "/runs/{id}/replay",
      operationId: "replayRun",
      summary: "Start a new run that reuses the outputs upstream of a node",
      description:
        "Executes `fromNode` and everything downstream of it again; every node upstream keeps its recorded output. The replay runs the graph the source ran: its version with the patches applied during the source run, so a node a patch added can be replayed too. Rate-limited like a start.",
      tags,
      request: {
        params: Id,
        body: jsonBody(ReplayBody, example.replay),
      },
      responses: {
        202: json(Replayed, "Started", example.replayed),
        ...errors(400, 404, 409, 413, 422, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const sourceId = c.req.valid("param").id;
      const stub = await runStub(c.env, c.get("tenantId"), sourceId);
      const source = await objectView(stub, sourceId);
      if (source.archived) {
        throw new ApiError(
          409,
          "conflict",
          `run ${sourceId} is archived (imported from run ${source.archived.sourceRunId}): it is read-only`,
        );
      }
      if (source.status === "running" || source.status === "waiting") {
        throw new ApiError(
          409,
          "conflict",
          `run ${sourceId} is still ${source.status}; replay it once it has ended`,
        );
      }
      const v = await loadVersion(c.env, c.get("tenantId"), source.workflowId, source.version);
      // The graph the source ran: its version plus the patches applied to it, so a node a patch
      // added can be replayed and the replay runs what the source ran.
      const materialised = await stub.materialised();
      const definition = materialised?.definition ?? v.definition;
      await admitRun(c, definition);
      const sourceInput = body.input === undefined ? await stub.input() : body.input;
      const { runId } = await startRun(c.env, {
        tenantId: c.get("tenantId"),
        workflowId: source.workflowId,
        version: source.version,
        definition,
        input: sourceInput,
        replay: {
          sourceRunId: sourceId,
          fromNode: body.fromNode,
          stub,
          agentNodes: materialised?.agentNodes ?? [],
        },
      });
      return c.json({ runId, replayOf: { sourceRunId: sourceId, fromNode: body.fromNode } }, 202);
    },
  )
  .openapi(
    apiRoute("run", {
      method: "post",
      path: "/runs/{id}/cancel",
      operationId: "cancelRun",
      summary: "Cancel a run that has not ended",
      tags,
      request: { params: Id },
      responses: {
        200: json(RunView, "The cancelled run", example.cancelledRun),
        ...errors(404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const tenantId = c.get("tenantId");
      const stub = await runStub(c.env, tenantId, id);
      const before = await viewOf(c.env, tenantId, stub, id);
      if (before.status === "queued") {
        const gate = await gateOfQueued(c.env.DB, id);
        if (gate && (await gateObject(c.env, gate).cancel(id, "cancelled through the API"))) {
          await audit(c, "run.cancel", { type: "run", id }, { was: "queued" });
          return c.json(await viewOf(c.env, tenantId, stub, id), 200);
        }
        // Left the queue meanwhile: its object cancels it (below).
      }
      if (
        before.status === "completed" ||
        before.status === "failed" ||
        before.status === "cancelled"
      ) {
        throw new ApiError(
          409,
          "conflict",
          `run ${before.id} has already ended (${before.status})`,
        );
      }
      const after = await stub.cancel("cancelled through the API");
      if (!after) throw notFound(`run ${id}`);
      await audit(c, "run.cancel", { type: "run", id }, { was: before.status });
      return c.json(after, 200);
    },
  );

// A WebSocket's frames have no place in an operation: their schema is listed as a component.
runRoutes.openAPIRegistry.register("ServerFrame", ServerFrame);
