import { z } from "@hono/zod-openapi";
import { DIFFERENCES } from "../../../core/compare";
import { NextCursor } from "./params";
import { NodeStatus, RunStatus } from "./run";
import { Timestamp } from "./time";

/** An output given inline in a page of the diff at most this long (JSON, UTF-8 bytes). */
export const DIFF_PAGE_OUTPUT_BYTES = 4096;

/** How a node differs: status, output, or it exists in run `a` or `b` only. */
export const Difference = z.enum(DIFFERENCES).openapi("RunDiffDifference");

/** One node of one of the two runs. */
const DiffSide = z
  .object({
    status: NodeStatus,
    attempt: z.number().int().describe("Its current attempt: how many it has had."),
    port: z.string().nullable().describe("The outcome port taken."),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    outputHash: z.string().nullable().describe("SHA-256 of the output's JSON: equal outputs."),
    outputBytes: z.number().int().nullable().describe("UTF-8 bytes of the output's JSON."),
    output: z
      .unknown()
      .optional()
      .describe(
        `The output, when the two outputs differ and this one is at most ${DIFF_PAGE_OUTPUT_BYTES} bytes (with \`nodeId\`: up to 64 KiB, as the run view gives it). A larger one: \`GET /api/blobs/{outputHash}\`.`,
      ),
    startedAt: Timestamp.nullable(),
    offsetMs: z
      .number()
      .nullable()
      .describe("When its current attempt started, from its run's start."),
    durationMs: z.number().nullable().describe("Its current attempt, start to end."),
    tokens: z.number().int().describe("Model tokens over its attempts (an agent's)."),
    costUsd: z.number().nullable().describe("USD; null when a model it used has no price."),
  })
  .nullable()
  .openapi("RunDiffSide");

const DiffRun = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    version: z.number().int(),
    status: RunStatus,
    createdAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    durationMs: z.number().nullable(),
    tokens: z.number().int(),
    costUsd: z.number().nullable(),
    replayOf: z.object({ sourceRunId: z.string(), fromNode: z.string() }).nullable(),
  })
  .openapi("RunDiffRun");

const DiffNode = z
  .object({
    id: z.string(),
    type: z.string(),
    index: z.number().int().describe("Its place in the order of the comparison, from 0."),
    a: DiffSide,
    b: DiffSide,
    sameStatus: z.boolean(),
    sameOutput: z.boolean().describe("Equal output hashes, or neither has an output."),
    differences: z.array(Difference),
  })
  .openapi("RunDiffNode");

export const RUN_DIFF_EXAMPLE = {
  a: {
    id: "run_a",
    workflowId: "wf_1",
    version: 2,
    status: "completed",
    createdAt: 1767225600000,
    finishedAt: 1767225600840,
    durationMs: 840,
    tokens: 0,
    costUsd: 0,
    replayOf: null,
  },
  b: {
    id: "run_b",
    workflowId: "wf_1",
    version: 2,
    status: "completed",
    createdAt: 1767225900000,
    finishedAt: 1767225900120,
    durationMs: 120,
    tokens: 0,
    costUsd: 0,
    replayOf: { sourceRunId: "run_a", fromNode: "stamp" },
  },
  summary: { nodes: 3, same: 2, different: 1, onlyA: 0, onlyB: 0 },
  firstDivergence: { nodeId: "stamp", index: 1, differences: ["output"] },
  nodes: [
    {
      id: "stamp",
      type: "transform",
      index: 1,
      a: {
        status: "succeeded",
        attempt: 1,
        port: null,
        error: null,
        outputHash: "9f2c…",
        outputBytes: 13,
        output: 1767225600412,
        startedAt: 1767225600410,
        offsetMs: 410,
        durationMs: 2,
        tokens: 0,
        costUsd: 0,
      },
      b: {
        status: "succeeded",
        attempt: 1,
        port: null,
        error: null,
        outputHash: "41ab…",
        outputBytes: 13,
        output: 1767225900051,
        startedAt: 1767225900050,
        offsetMs: 50,
        durationMs: 1,
        tokens: 0,
        costUsd: 0,
      },
      sameStatus: true,
      sameOutput: false,
      differences: ["output"],
    },
  ],
  nextCursor: null,
};

/** `GET /api/runs/:a/diff/:b`: two runs compared node by node, one page of nodes at a time. */
export const RunDiff = z
  .object({
    a: DiffRun,
    b: DiffRun,
    summary: z
      .object({
        nodes: z.number().int(),
        same: z.number().int(),
        different: z.number().int().describe("Nodes that differ, those in one run only included."),
        onlyA: z.number().int(),
        onlyB: z.number().int(),
      })
      .describe("Over every node, whatever the page."),
    firstDivergence: z
      .object({ nodeId: z.string(), index: z.number().int(), differences: z.array(Difference) })
      .nullable()
      .describe(
        "The first node, in the comparison's order, whose status or output differs (or that one run lacks); null when none does.",
      ),
    nodes: z.array(DiffNode),
    nextCursor: NextCursor,
  })
  .openapi("RunDiff", { example: RUN_DIFF_EXAMPLE });
export type RunDiff = z.infer<typeof RunDiff>;
