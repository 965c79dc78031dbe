import { z } from "zod";
import { EdgeSpec, NodeId, NodeSpec, RetryPolicy } from "../workflow/definition";

/** Adds a node. It runs once its incoming edges (added in the same or a later patch) fire. */
export const AddNodeOp = z.strictObject({ op: z.literal("add_node"), node: NodeSpec });

/** Adds an edge. Into a node that has not started; from any node (a settled source resolves it at once). */
export const AddEdgeOp = z.strictObject({ op: z.literal("add_edge"), edge: EdgeSpec });

/** Removes an edge that has not fired or died yet. */
export const RemoveEdgeOp = z.strictObject({
  op: z.literal("remove_edge"),
  from: NodeId,
  to: NodeId,
  on: z.string().min(1).max(200).optional(),
});

/**
 * Changes a node that has not started: its config (replaced whole), retry, timeout, expression
 * budget or name.
 */
export const UpdateNodeOp = z
  .strictObject({
    op: z.literal("update_node"),
    id: NodeId,
    name: z.string().max(200).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    retry: RetryPolicy.optional(),
    timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
    expressionTimeoutMs: NodeSpec.shape.expressionTimeoutMs,
  })
  .refine(
    (op) =>
      op.config !== undefined ||
      op.retry !== undefined ||
      op.timeoutMs !== undefined ||
      op.expressionTimeoutMs !== undefined ||
      op.name !== undefined,
    {
      message:
        "update_node changes nothing: give config, retry, timeoutMs, expressionTimeoutMs or name",
    },
  );

export const PatchOp = z.discriminatedUnion("op", [
  AddNodeOp,
  AddEdgeOp,
  RemoveEdgeOp,
  UpdateNodeOp,
]);
export type PatchOp = z.infer<typeof PatchOp>;

/** What an agent's `patch_workflow` tool call or a person's `POST /runs/:id/patches` carries. */
export const Patch = z.strictObject({
  ops: z.array(PatchOp).min(1).max(50),
  reason: z.string().max(2000).optional(),
});
export type Patch = z.infer<typeof Patch>;
export type PatchInput = z.input<typeof Patch>;

/** Shown to a model whose patch did not parse, so it can correct itself. */
export const PATCH_EXAMPLE: PatchInput = {
  reason: "check the order before replying",
  ops: [
    {
      op: "add_node",
      node: {
        id: "fetch_order",
        type: "http",
        config: { method: "GET", url: "https://api.example.com/orders/1" },
      },
    },
    { op: "add_edge", edge: { from: "triage", to: "fetch_order" } },
    { op: "add_edge", edge: { from: "fetch_order", to: "done" } },
  ],
};

/** Who proposed a patch. */
export type PatchSource =
  | { kind: "agent"; nodeId: string; attempt: number }
  | { kind: "person"; by: string; keyId: string };
