import type { InferResponseType } from "hono/client";
import type { Api } from "./client";

/** Response bodies, inferred from the Worker's routes (no second copy of the API's types). */
export type RunBody = InferResponseType<Api["runs"][":id"]["$get"]>;
export type RunApproval = RunBody["approvals"][number];
export type RunNode = RunBody["nodes"][number];
export type RunSummary = InferResponseType<Api["runs"]["$get"]>["runs"][number];
export type InboxApproval = InferResponseType<Api["approvals"]["$get"]>["approvals"][number];
