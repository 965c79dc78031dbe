import { describeKinds } from "../../../core/kinds/registry";
import { apiRoute, routes } from "../route";
import { json } from "../schemas/error";
import { NodeTypeList } from "../schemas/node-type";

const kinds = describeKinds();

/** GET /api/node-types: the registry that drives the UI palette and the CLI. */
export const nodeTypes = routes().openapi(
  apiRoute("read", {
    method: "get",
    path: "/node-types",
    operationId: "listNodeTypes",
    summary: "The node kinds, each config as JSON Schema",
    tags: ["workflows"],
    // The example is the registry's own entry for one kind, so it is always current.
    responses: {
      200: json(NodeTypeList, "The registry", {
        nodeTypes: kinds.filter((k) => k.type === "delay"),
      }),
    },
  }),
  (c) => c.json({ nodeTypes: kinds }, 200),
);
