import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { authenticate } from "./auth";
import { ApiError, onError } from "./errors";
import { hooks } from "./hooks";
import { MAX_BODY_BYTES } from "./limits";
import { approvalRoutes } from "./routes/approvals";
import { blobRoutes } from "./routes/blobs";
import { health } from "./routes/health";
import { keyRoutes } from "./routes/keys";
import { nodeTypes } from "./routes/node-types";
import { patchRoutes } from "./routes/patches";
import { runRoutes } from "./routes/runs";
import { secretRoutes } from "./routes/secrets";
import { triggerRoutes } from "./routes/triggers";
import { workflowRoutes } from "./routes/workflows";
import { defaultScopes } from "./scopes";
import type { AppEnv } from "./types";

const api = new Hono<AppEnv>()
  .route("/", health)
  .use("*", authenticate)
  .use("*", defaultScopes)
  .route("/", nodeTypes)
  .route("/", workflowRoutes)
  .route("/", runRoutes)
  .route("/", approvalRoutes)
  .route("/", patchRoutes)
  .route("/", keyRoutes)
  .route("/", triggerRoutes)
  .route("/", secretRoutes)
  .route("/", blobRoutes);

export const app = new Hono<AppEnv>()
  .use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(
          413,
          "payload_too_large",
          `request body exceeds ${MAX_BODY_BYTES} bytes`,
        );
      },
    }),
  )
  .route("/api", api)
  .route("/", hooks)
  .notFound((c) =>
    c.json(
      { error: { code: "not_found", message: `no route ${c.req.method} ${c.req.path}` } },
      404,
    ),
  )
  .onError(onError);

export type AppType = typeof app;
