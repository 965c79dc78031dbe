import type { InferResponseType as Infer } from "hono/client";
import type { Api } from "./client";

/** The body of an operation's 200 answer, as the route's response schema declares it. */
type InferResponseType<T> = Infer<T, 200>;

/** Response bodies, inferred from the Worker's routes (no second copy of the API's types). */
export type RunBody = InferResponseType<Api["runs"][":id"]["$get"]>;
export type RunApproval = RunBody["approvals"][number];
export type RunNode = RunBody["nodes"][number];
export type RunSummary = InferResponseType<Api["runs"]["$get"]>["runs"][number];
export type InboxApproval = InferResponseType<Api["approvals"]["$get"]>["approvals"][number];
/** `GET /api/runs/:a/diff/:b`: two runs compared node by node. */
export type RunDiffBody = InferResponseType<Api["runs"][":a"]["diff"][":b"]["$get"]>;
