import type { InferResponseType as Infer } from "hono/client";
import type { Client } from "./client";

type Api = Client["api"];
/** The body of an operation's 200 answer, as the API's response schema declares it. */
type InferResponseType<T> = Infer<T, 200>;

/** One kind of `GET /api/node-types`. */
export type NodeTypeInfo = InferResponseType<Api["node-types"]["$get"]>["nodeTypes"][number];
export type WorkflowSummary = InferResponseType<Api["workflows"]["$get"]>["workflows"][number];
export type WorkflowDetail = InferResponseType<Api["workflows"][":id"]["$get"]>;
export type VersionInfo = InferResponseType<
  Api["workflows"][":id"]["versions"]["$get"]
>["versions"][number];
export type RunSummary = InferResponseType<Api["runs"]["$get"]>["runs"][number];
export type RunView = InferResponseType<Api["runs"][":id"]["$get"]>;
export type RunNode = RunView["nodes"][number];
export type RunApproval = RunView["approvals"][number];
export type InboxApproval = InferResponseType<Api["approvals"]["$get"]>["approvals"][number];
export type ValidateResult = InferResponseType<Api["workflows"]["validate"]["$post"]>;
export type RunPatch = RunView["patches"][number];
export type RunUsage = RunView["usage"];
export type User = InferResponseType<Api["users"]["$get"]>["users"][number];
export type UserKey = InferResponseType<Api["users"][":id"]["keys"]["$get"]>["keys"][number];
export type AuditEntry = InferResponseType<Api["audit"]["$get"]>["entries"][number];
export type NotificationChannel = InferResponseType<
  Api["notification-channels"]["$get"]
>["channels"][number];
export type ChannelEvent = NotificationChannel["events"][number];
/** `GET /api/runs/:a/diff/:b`: two runs compared node by node. */
export type RunDiff = InferResponseType<Api["runs"][":a"]["diff"][":b"]["$get"]>;
export type RunDiffNode = RunDiff["nodes"][number];
export type RunDiffSide = NonNullable<RunDiffNode["a"]>;
/** `GET /api/workflows/:id/diff`: what changed between two versions. */
export type WorkflowDiff = InferResponseType<Api["workflows"][":id"]["diff"]["$get"]>;
export type WorkflowVersion = InferResponseType<
  Api["workflows"][":id"]["versions"][":version"]["$get"]
>;
export type McpServer = InferResponseType<Api["mcp-servers"]["$get"]>["servers"][number];
/** `GET /api/stats`: a tenant's (or one workflow's) figures over a window. */
export type Stats = InferResponseType<Api["stats"]["$get"]>;
