import { $, OpenAPIHono } from "@hono/zod-openapi";
import { authenticate } from "./auth";
import { onError } from "./errors";
import { hooks } from "./hooks";
import { limitBodies } from "./limits";
import { type DocumentSource, openApiRoutes } from "./openapi";
import { approvalRoutes } from "./routes/approvals";
import { auditRoutes } from "./routes/audit";
import { blobRoutes } from "./routes/blobs";
import { decisionRoutes } from "./routes/decisions";
import { eventRoutes, signedEventRoutes } from "./routes/events";
import { deepHealth, health } from "./routes/health";
import { keyRoutes } from "./routes/keys";
import { lifecycleRoutes } from "./routes/lifecycle";
import { mcpServerRoutes } from "./routes/mcp-servers";
import { metricsRoutes } from "./routes/metrics";
import { nodeTypes } from "./routes/node-types";
import { notificationChannelRoutes } from "./routes/notification-channels";
import { patchRoutes } from "./routes/patches";
import { runArchiveRoutes } from "./routes/run-archive";
import { runDiffRoutes } from "./routes/run-diff";
import { runTraceRoutes } from "./routes/run-trace";
import { runRoutes } from "./routes/runs";
import { secretRoutes } from "./routes/secrets";
import { publicSessionRoutes, sessionRoutes } from "./routes/sessions";
import { statsRoutes } from "./routes/stats";
import { telemetryRoutes } from "./routes/telemetry";
import { triggerRoutes } from "./routes/triggers";
import { userRoutes } from "./routes/users";
import { workflowRoutes } from "./routes/workflows";
import type { AppEnv } from "./types";

// Each route declares its scope (`apiRoute`); unknown paths fall through to 404.
const api = new OpenAPIHono<AppEnv>()
  .route("/", health)
  .route("/", publicSessionRoutes)
  .route("/", signedEventRoutes)
  .route("/", decisionRoutes)
  // Authenticates itself: an API key, or for `scope=all` the operator's token.
  .route("/", metricsRoutes)
  .use("*", authenticate)
  .route("/", deepHealth)
  .route("/", sessionRoutes)
  .route("/", nodeTypes)
  .route("/", workflowRoutes)
  // Before the run routes: `/runs/export` and `/runs/import` are not runs' ids.
  .route("/", runArchiveRoutes)
  .route("/", runRoutes)
  .route("/", runDiffRoutes)
  .route("/", runTraceRoutes)
  .route("/", lifecycleRoutes)
  .route("/", statsRoutes)
  .route("/", approvalRoutes)
  .route("/", eventRoutes)
  .route("/", patchRoutes)
  .route("/", keyRoutes)
  .route("/", userRoutes)
  .route("/", auditRoutes)
  .route("/", notificationChannelRoutes)
  .route("/", telemetryRoutes)
  .route("/", mcpServerRoutes)
  .route("/", triggerRoutes)
  .route("/", secretRoutes)
  .route("/", blobRoutes);

export const app = $(
  // Bodies over 1 MiB are refused, those carrying a workflow definition over 8 MiB.
  new OpenAPIHono<AppEnv>().use("/api/*", limitBodies),
)
  .route("/api", api)
  .route("/", hooks)
  .route(
    "/",
    openApiRoutes((): DocumentSource => app),
  )
  .notFound((c) =>
    c.json(
      { error: { code: "not_found", message: `no route ${c.req.method} ${c.req.path}` } },
      404,
    ),
  )
  .onError(onError);

export type AppType = typeof app;
