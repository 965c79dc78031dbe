import { z } from "@hono/zod-openapi";
import { RetryPolicy } from "../../../core/workflow/definition";

/** One kind of the registry; `configSchema` is its config's JSON Schema. */
export const NodeType = z
  .object({
    type: z.string(),
    title: z.string(),
    description: z.string(),
    status: z.enum(["active", "experimental", "coming_soon"]),
    execution: z.enum(["inline", "io", "wait"]),
    configSchema: z.record(z.string(), z.unknown()),
    defaults: z.object({ retry: RetryPolicy, timeoutMs: z.number().int() }),
  })
  .openapi("NodeType");

export const NodeTypeList = z.object({ nodeTypes: z.array(NodeType) });
