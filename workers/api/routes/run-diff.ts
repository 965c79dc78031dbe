import { z } from "@hono/zod-openapi";
import { compareRuns, type NodePair } from "../../../core/compare";
import { utf8Length } from "../../../core/limits/output";
import { page } from "../../../core/wire/cursor";
import type { RunRpc } from "../../../durable-objects/run/rpc";
import { notFound } from "../errors";
import { apiRoute, routes } from "../route";
import { runStub } from "../run-stub";
import { errors, json } from "../schemas/error";
import { cursorOf, cursorQuery, IdParam, limitQuery } from "../schemas/params";
import type { RunView } from "../schemas/run";
import { DIFF_PAGE_OUTPUT_BYTES, RUN_DIFF_EXAMPLE, RunDiff } from "../schemas/run-diff";

type ViewNode = RunView["nodes"][number];
type Side = NonNullable<RunDiff["nodes"][number]["a"]>;

/** The run's view and the edges of the graph it runs (its version plus applied patches). */
async function load(env: Env, tenantId: string, id: string) {
  const stub: RunRpc = await runStub(env, tenantId, id);
  const [view, graph] = await Promise.all([stub.get(), stub.materialised()]);
  if (!view) throw notFound(`run ${id}`);
  return { view, edges: graph?.definition.edges ?? [] };
}

function runOf(v: RunView): RunDiff["a"] {
  return {
    id: v.id,
    workflowId: v.workflowId,
    version: v.version,
    status: v.status,
    createdAt: v.createdAt,
    finishedAt: v.finishedAt ?? null,
    durationMs: v.finishedAt === undefined ? null : v.finishedAt - v.createdAt,
    tokens: v.usage.promptTokens + v.usage.completionTokens,
    costUsd: v.usage.costUsd,
    replayOf: v.replayOf ?? null,
  };
}

/** One side of a node; its output inline when the outputs differ and it is at most `inline`. */
function sideOf(
  run: RunView,
  n: ViewNode | null,
  showOutput: boolean,
  inline: number,
): Side | null {
  if (!n) return null;
  const text = n.output === undefined ? undefined : JSON.stringify(n.output);
  const bytes = text === undefined ? (n.outputBytes ?? null) : utf8Length(text);
  return {
    status: n.status,
    attempt: n.attempt,
    port: n.port ?? null,
    error: n.error ? { code: n.error.code, message: n.error.message } : null,
    outputHash: n.outputHash ?? null,
    outputBytes: n.outputHash === undefined ? null : bytes,
    ...(showOutput && text !== undefined && bytes !== null && bytes <= inline
      ? { output: n.output }
      : {}),
    startedAt: n.startedAt ?? null,
    offsetMs: n.startedAt === undefined ? null : n.startedAt - run.createdAt,
    durationMs:
      n.startedAt !== undefined && n.finishedAt !== undefined ? n.finishedAt - n.startedAt : null,
    tokens: n.usage ? n.usage.promptTokens + n.usage.completionTokens : 0,
    costUsd: n.usage ? n.usage.costUsd : 0,
  };
}

const Params = z.object({ a: IdParam, b: IdParam });

export const runDiffRoutes = routes().openapi(
  apiRoute("read", {
    method: "get",
    path: "/runs/{a}/diff/{b}",
    operationId: "diffRuns",
    summary: "Compare two runs node by node, with the first point where they diverge",
    description: `Nodes are matched by id and listed in topological order of the two runs' graphs (nodes ready at once in the order they started), one page at a time. Each side gives status, attempt, output hash and size, duration, tokens and cost; an output differing from the other run's comes inline when small (at most ${DIFF_PAGE_OUTPUT_BYTES} bytes). \`nodeId\` answers that one node, its outputs as the run view gives them (inline up to 64 KiB; a larger one from \`GET /api/blobs/{outputHash}\`). \`only=different\` leaves out the nodes that are the same. \`summary\` and \`firstDivergence\` cover every node, whatever the page.`,
    tags: ["runs"],
    request: {
      params: Params,
      query: z.object({
        limit: limitQuery(100, 500),
        cursor: cursorQuery(["n"]),
        only: z
          .enum(["all", "different"])
          .default("all")
          .openapi({ description: "`different`: only nodes whose status or output differs" }),
        nodeId: z
          .string()
          .min(1)
          .optional()
          .openapi({ description: "Only this node, with its outputs inline up to 64 KiB" }),
      }),
    },
    responses: {
      200: json(
        RunDiff,
        "The two runs, a summary, the first divergence and a page of nodes",
        RUN_DIFF_EXAMPLE as RunDiff,
      ),
      ...errors(400, 404),
    },
  }),
  async (c) => {
    const params = c.req.valid("param");
    const { limit, cursor, only, nodeId } = c.req.valid("query");
    const tenantId = c.get("tenantId");
    const [a, b] = await Promise.all([
      load(c.env, tenantId, params.a),
      load(c.env, tenantId, params.b),
    ]);
    const diff = compareRuns(
      { createdAt: a.view.createdAt, nodes: a.view.nodes, edges: a.edges },
      { createdAt: b.view.createdAt, nodes: b.view.nodes, edges: b.edges },
    );
    const indexed = diff.pairs.map((pair, index) => ({ pair, index }));
    let rows = indexed;
    let inline = DIFF_PAGE_OUTPUT_BYTES;
    if (nodeId !== undefined) {
      rows = indexed.filter((r) => r.pair.id === nodeId);
      if (rows.length === 0) throw notFound(`node ${nodeId} in runs ${params.a} and ${params.b}`);
      inline = Number.POSITIVE_INFINITY; // as the run view holds it: at most 64 KiB
    } else if (only === "different") {
      rows = indexed.filter((r) => r.pair.differences.length > 0);
    }
    const after = cursorOf<[number]>(cursor, ["n"])?.[0] ?? -1;
    const { items, nextCursor } = page(
      rows.filter((r) => r.index > after),
      limit,
      (r) => [r.index],
    );
    const nodeOf = ({ pair, index }: { pair: NodePair<ViewNode>; index: number }) => {
      const show = !pair.sameOutput;
      return {
        id: pair.id,
        type: (pair.b ?? pair.a)!.type,
        index,
        a: sideOf(a.view, pair.a, show, inline),
        b: sideOf(b.view, pair.b, show, inline),
        sameStatus: pair.sameStatus,
        sameOutput: pair.sameOutput,
        differences: pair.differences,
      };
    };
    const first = diff.firstDivergence;
    const firstPair = first === null ? undefined : diff.pairs[first];
    return c.json(
      {
        a: runOf(a.view),
        b: runOf(b.view),
        summary: diff.summary,
        firstDivergence:
          first === null || !firstPair
            ? null
            : { nodeId: firstPair.id, index: first, differences: firstPair.differences },
        nodes: items.map(nodeOf),
        nextCursor,
      },
      200,
    );
  },
);
