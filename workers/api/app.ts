import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { authenticate } from "./auth";
import { ApiError, onError } from "./errors";
import { approvalRoutes } from "./routes/approvals";
import { health } from "./routes/health";
import { keyRoutes } from "./routes/keys";
import { nodeTypes } from "./routes/node-types";
import { runRoutes } from "./routes/runs";
import { workflowRoutes } from "./routes/workflows";
import { defaultScopes } from "./scopes";
import type { AppEnv } from "./types";

/** Request bodies larger than this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;

const api = new Hono<AppEnv>()
  .route("/", health)
  .use("*", authenticate)
  .use("*", defaultScopes)
  .route("/", nodeTypes)
  .route("/", workflowRoutes)
  .route("/", runRoutes)
  .route("/", approvalRoutes)
  .route("/", keyRoutes);

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
  .notFound((c) =>
    c.json(
      { error: { code: "not_found", message: `no route ${c.req.method} ${c.req.path}` } },
      404,
    ),
  )
  .onError(onError);

export type AppType = typeof app;
