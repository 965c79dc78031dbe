import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "../kinds/kind";
import { BUILTIN_KINDS, createKindRegistry, type KindRegistry } from "../kinds/registry";
import type { WorkflowDefinitionInput } from "./definition";
import { formatPath, type ValidationIssue } from "./issues";
import { validateWorkflow } from "./validate";

type NodeInput = WorkflowDefinitionInput["nodes"][number];
type EdgeInput = NonNullable<WorkflowDefinitionInput["edges"]>[number];

const SAMPLES = new URL("../../samples/", import.meta.url);

/** A kind in the palette that cannot run yet. */
const COMING_SOON = defineKind({
  type: "teleport",
  title: "Teleport",
  description: "Not yet.",
  status: "coming_soon",
  execution: "inline",
  config: z.record(z.string(), z.unknown()),
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 1000 },
  traits: {},
});
const START: NodeInput = { id: "start", type: "start" };
const transform = (id: string, expression = "input"): NodeInput => ({
  id,
  type: "transform",
  config: { expression },
});
const end = (id: string): NodeInput => ({ id, type: "end" });

function workflow(nodes: NodeInput[], edges: EdgeInput[] = []): WorkflowDefinitionInput {
  return { name: "test", nodes, edges };
}

/** The errors of an invalid definition, as `{ path, code, message }` with a readable path. */
function errorsOf(input: unknown, kinds?: KindRegistry) {
  const result = validateWorkflow(input, kinds);
  if (result.ok) throw new Error("expected the definition to be refused");
  return result.errors.map(readable);
}

function readable(issue: ValidationIssue) {
  return { path: formatPath(issue.path), code: issue.code, message: issue.message };
}

describe("validateWorkflow: samples", () => {
  const files = readdirSync(SAMPLES).filter((f) => f.endsWith(".json"));

  it("finds the samples", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)("accepts samples/%s without warnings", (file) => {
    const result = validateWorkflow(JSON.parse(readFileSync(new URL(file, SAMPLES), "utf8")));
    expect(result.ok ? [] : result.errors.map(readable)).toEqual([]);
    expect(result.warnings).toEqual([]);
  });
});

describe("validateWorkflow: shape", () => {
  it("applies defaults: join all, empty config, no edges", () => {
    const result = validateWorkflow({ name: "solo", nodes: [{ id: "start", type: "start" }] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.definition.edges).toEqual([]);
    expect(result.definition.nodes[0]).toEqual({
      id: "start",
      type: "start",
      config: {},
      join: "all",
    });
  });

  it("refuses a malformed node id at nodes[1].id and says what an id looks like", () => {
    const errors = errorsOf(workflow([START, end("Bad-Id")], [{ from: "start", to: "Bad-Id" }]));
    expect(errors).toContainEqual(
      expect.objectContaining({ path: "nodes[1].id", code: "invalid_shape" }),
    );
    const issue = errors.find((e) => e.path === "nodes[1].id");
    expect(issue?.message).toMatch(/lowercase letter/);
  });

  it("refuses unknown top-level fields and names them", () => {
    const errors = errorsOf({ ...workflow([START]), owner: "someone" });
    expect(errors).toEqual([
      { path: "(root)", code: "invalid_shape", message: expect.stringContaining('"owner"') },
    ]);
  });

  it("refuses unknown fields on a node at that node's path", () => {
    const errors = errorsOf({ name: "x", nodes: [{ id: "start", type: "start", colour: "red" }] });
    expect(errors).toEqual([
      { path: "nodes[0]", code: "invalid_shape", message: expect.stringContaining('"colour"') },
    ]);
  });

  it("refuses a definition without nodes", () => {
    expect(errorsOf({ name: "x", nodes: [] })).toEqual([
      expect.objectContaining({ path: "nodes", code: "invalid_shape" }),
    ]);
  });
});

describe("validateWorkflow: graph rules", () => {
  it("refuses a duplicate id at the second occurrence", () => {
    const errors = errorsOf(workflow([START, end("a"), end("a")], [{ from: "start", to: "a" }]));
    expect(errors).toEqual([
      {
        path: "nodes[2].id",
        code: "duplicate_id",
        message: 'node id "a" is used more than once',
      },
    ]);
  });

  it("refuses an edge to a missing node at edges[0].to", () => {
    const errors = errorsOf(workflow([START], [{ from: "start", to: "ghost" }]));
    expect(errors).toEqual([
      { path: "edges[0].to", code: "unknown_node", message: expect.stringContaining('"ghost"') },
    ]);
  });

  it("refuses an edge from a missing node at edges[1].from", () => {
    const errors = errorsOf(
      workflow(
        [START, end("a")],
        [
          { from: "start", to: "a" },
          { from: "ghost", to: "a" },
        ],
      ),
    );
    expect(errors).toEqual([
      expect.objectContaining({ path: "edges[1].from", code: "unknown_node" }),
    ]);
  });

  it("refuses an edge into the start node", () => {
    const errors = errorsOf(
      workflow(
        [START, transform("a")],
        [
          { from: "start", to: "a" },
          { from: "a", to: "start", loop: { maxIterations: 2 } },
        ],
      ),
    );
    expect(errors).toEqual([
      expect.objectContaining({ path: "edges[1].to", code: "edge_into_start" }),
    ]);
  });

  it("refuses the same edge twice", () => {
    const errors = errorsOf(
      workflow(
        [START, end("a")],
        [
          { from: "start", to: "a" },
          { from: "start", to: "a" },
        ],
      ),
    );
    expect(errors).toEqual([expect.objectContaining({ path: "edges[1]", code: "duplicate_edge" })]);
  });

  it("refuses a port the kind does not offer at edges[2].on and lists the ports it does", () => {
    const errors = errorsOf(
      workflow(
        [START, { id: "check", type: "condition", config: { expression: "true" } }, end("a")],
        [
          { from: "start", to: "check" },
          { from: "check", to: "a", on: "true" },
          { from: "check", to: "a", on: "maybe" },
        ],
      ),
    );
    expect(errors).toEqual([
      {
        path: "edges[2].on",
        code: "unknown_port",
        message: '"check" (condition) has no port "maybe"; it offers: true, false, error',
      },
    ]);
  });

  it("refuses a named port on a single-port kind, where only error may be named", () => {
    const errors = errorsOf(
      workflow(
        [START, transform("a"), end("b")],
        [
          { from: "start", to: "a" },
          { from: "a", to: "b" },
          { from: "a", to: "b", on: "true" },
        ],
      ),
    );
    expect(errors).toEqual([
      {
        path: "edges[2].on",
        code: "unknown_port",
        message: '"a" (transform) has no port "true"; it offers: error',
      },
    ]);
  });

  it("accepts the error port on any kind and switch cases plus default", () => {
    const result = validateWorkflow(
      workflow(
        [
          START,
          { id: "route", type: "switch", config: { expression: "input.k", cases: ["a", "b"] } },
          transform("x"),
          end("y"),
        ],
        [
          { from: "start", to: "route" },
          { from: "route", to: "x", on: "a" },
          { from: "route", to: "y", on: "b" },
          { from: "route", to: "y", on: "default" },
          { from: "x", to: "y" },
          { from: "x", to: "y", on: "error" },
        ],
      ),
    );
    expect(result.ok ? [] : result.errors.map(readable)).toEqual([]);
  });

  it("refuses an edge leaving a condition without `on`, naming the ports to choose from", () => {
    const errors = errorsOf(
      workflow(
        [START, { id: "check", type: "condition", config: { expression: "true" } }, end("a")],
        [
          { from: "start", to: "check" },
          { from: "check", to: "a" },
        ],
      ),
    );
    expect(errors).toEqual([
      {
        path: "edges[1].on",
        code: "port_required",
        message: 'edges leaving "check" (condition) need `on`: one of true, false, error',
      },
    ]);
  });

  it("refuses a cycle without a loop edge at the edge that closes it", () => {
    const errors = errorsOf(
      workflow(
        [START, transform("a"), transform("b")],
        [
          { from: "start", to: "a" },
          { from: "a", to: "b" },
          { from: "b", to: "a" },
        ],
      ),
    );
    expect(errors).toEqual([
      {
        path: "edges[2]",
        code: "cycle",
        message: expect.stringMatching(/b → a closes a cycle.*"loop"/),
      },
    ]);
  });

  it("accepts the same cycle when its closing edge is a loop edge", () => {
    const result = validateWorkflow(
      workflow(
        [START, transform("a"), transform("b")],
        [
          { from: "start", to: "a" },
          { from: "a", to: "b" },
          { from: "b", to: "a", loop: { maxIterations: 5 } },
        ],
      ),
    );
    expect(result.ok).toBe(true);
  });

  it("warns of an edge that leaves a loop's body from inside it, at that edge", () => {
    const result = validateWorkflow(
      workflow(
        [START, transform("a"), transform("b"), transform("c"), transform("out")],
        [
          { from: "start", to: "a" },
          { from: "a", to: "b" },
          { from: "b", to: "a", loop: { maxIterations: 5 } },
          { from: "a", to: "out" },
          { from: "b", to: "c" },
        ],
      ),
    );
    expect(result.ok).toBe(true);
    // a → out leaves the body from inside; b → c leaves it from the node that closes the loop.
    expect(result.warnings.map((w) => [formatPath(w.path), w.code])).toEqual([
      ["edges[3]", "loop_body_exit"],
    ]);
    expect(result.warnings[0]?.message).toMatch(/first turn that reaches "a"/);
  });

  it("refuses a loop edge that does not point back, at edges[2].loop", () => {
    const errors = errorsOf(
      workflow(
        [START, end("a"), end("b")],
        [
          { from: "start", to: "a" },
          { from: "start", to: "b" },
          { from: "a", to: "b", loop: { maxIterations: 3 } },
        ],
      ),
    );
    expect(errors).toEqual([
      {
        path: "edges[2].loop",
        code: "loop_not_back_edge",
        message: 'loop edge a → b must point back to a node upstream of "a"',
      },
    ]);
  });

  it("refuses an unreachable node at nodes[3]", () => {
    const errors = errorsOf(
      workflow(
        [START, end("a"), end("b"), end("orphan")],
        [
          { from: "start", to: "a" },
          { from: "start", to: "b" },
        ],
      ),
    );
    expect(errors).toEqual([
      {
        path: "nodes[3]",
        code: "unreachable",
        message: 'node "orphan" cannot be reached from the start node; connect it or remove it',
      },
    ]);
  });

  it("refuses a workflow without a start node", () => {
    expect(errorsOf(workflow([end("a")]))).toEqual([
      {
        path: "nodes",
        code: "missing_start",
        message: 'a workflow needs exactly one node of type "start"',
      },
    ]);
  });

  it("refuses a second start node at its type", () => {
    expect(errorsOf(workflow([START, { id: "again", type: "start" }]))).toEqual([
      {
        path: "nodes[1].type",
        code: "multiple_starts",
        message: "a workflow has exactly one start node",
      },
    ]);
  });
});

describe("validateWorkflow: node config", () => {
  it("refuses a transform whose expression does not parse, with the position", () => {
    const errors = errorsOf(workflow([START, transform("t", "a +")], [{ from: "start", to: "t" }]));
    expect(errors).toEqual([
      {
        path: "nodes[1].config.expression",
        code: "invalid_expression",
        message: "expression does not parse: Unexpected end of expression (at character 3)",
      },
    ]);
  });

  it("refuses a {{ }} template in an http url that does not parse", () => {
    const errors = errorsOf(
      workflow(
        [START, { id: "fetch", type: "http", config: { url: "https://x.test/{{ input. }}" } }],
        [{ from: "start", to: "fetch" }],
      ),
    );
    expect(errors).toEqual([
      {
        path: "nodes[1].config.url",
        code: "invalid_expression",
        message: expect.stringMatching(/^template \{\{ input\. \}\} does not parse: .*character 6/),
      },
    ]);
  });

  it("finds templates nested in an end node's output object", () => {
    const errors = errorsOf(
      workflow(
        [START, { id: "done", type: "end", config: { output: { list: ["ok", "{{ ( }}"] } } }],
        [{ from: "start", to: "done" }],
      ),
    );
    expect(errors.map((e) => e.path)).toEqual(["nodes[1].config.output.list[1]"]);
  });

  it("refuses an http node without url at nodes[1].config.url", () => {
    const errors = errorsOf(
      workflow(
        [START, { id: "fetch", type: "http", config: {} }],
        [{ from: "start", to: "fetch" }],
      ),
    );
    expect(errors).toEqual([
      expect.objectContaining({ path: "nodes[1].config.url", code: "invalid_config" }),
    ]);
  });

  it("refuses an unknown config field at its path", () => {
    const errors = errorsOf(
      workflow(
        [START, { id: "t", type: "transform", config: { expression: "1", expresion: "2" } }],
        [{ from: "start", to: "t" }],
      ),
    );
    expect(errors).toEqual([
      {
        path: "nodes[1].config",
        code: "invalid_config",
        message: expect.stringContaining('"expresion"'),
      },
    ]);
  });

  it("refuses a switch with no cases at nodes[1].config.cases", () => {
    const errors = errorsOf(
      workflow(
        [START, { id: "route", type: "switch", config: { expression: "input.k", cases: [] } }],
        [{ from: "start", to: "route" }],
      ),
    );
    expect(errors).toEqual([
      expect.objectContaining({ path: "nodes[1].config.cases", code: "invalid_config" }),
    ]);
  });

  it("refuses a delay with both seconds and until", () => {
    const errors = errorsOf(
      workflow(
        [
          START,
          { id: "wait", type: "delay", config: { seconds: 1, until: "2030-01-01T00:00:00Z" } },
        ],
        [{ from: "start", to: "wait" }],
      ),
    );
    expect(errors).toEqual([
      {
        path: "nodes[1].config",
        code: "invalid_config",
        message: "give exactly one of `seconds` or `until`",
      },
    ]);
  });

  describe("map", () => {
    const mapOf = (node: Record<string, unknown>) =>
      workflow(
        [START, { id: "each", type: "map", config: { items: "input.list", node } }],
        [{ from: "start", to: "each" }],
      );

    it("refuses a step expression that does not parse at nodes[1].config.node.config.expression", () => {
      const errors = errorsOf(mapOf({ type: "transform", config: { expression: "(" } }));
      expect(errors).toEqual([
        {
          path: "nodes[1].config.node.config.expression",
          code: "invalid_expression",
          message: expect.stringMatching(/^expression does not parse: .*\(at character 1\)$/),
        },
      ]);
    });

    it("refuses a step config that does not match the step's kind", () => {
      const errors = errorsOf(mapOf({ type: "transform", config: {} }));
      expect(errors).toEqual([
        expect.objectContaining({
          path: "nodes[1].config.node.config.expression",
          code: "invalid_config",
        }),
      ]);
    });

    it("reports a bad template in the step once, at the step's path", () => {
      const errors = errorsOf(
        mapOf({ type: "http", config: { url: "https://x.test/{{ item. }}" } }),
      );
      expect(errors).toEqual([
        {
          path: "nodes[1].config.node.config.url",
          code: "invalid_expression",
          message:
            "template {{ item. }} does not parse: Unexpected end of expression (at character 5)",
        },
      ]);
    });

    it("refuses a step kind that cannot run per item", () => {
      const errors = errorsOf(mapOf({ type: "delay", config: { seconds: 1 } }));
      expect(errors).toEqual([
        {
          path: "nodes[1].config.node.type",
          code: "invalid_config",
          message: "a map step must be one of: http, transform, condition, switch, subworkflow",
        },
      ]);
    });

    it("refuses an items expression that does not parse", () => {
      const errors = errorsOf(
        workflow(
          [
            START,
            {
              id: "each",
              type: "map",
              config: {
                items: "[1, 2",
                node: { type: "transform", config: { expression: "item" } },
              },
            },
          ],
          [{ from: "start", to: "each" }],
        ),
      );
      expect(errors.map((e) => [e.path, e.code])).toEqual([
        ["nodes[1].config.items", "invalid_expression"],
      ]);
    });
  });

  it("refuses a coming-soon kind at its type", () => {
    const errors = errorsOf(
      workflow([START, { id: "ask", type: "teleport" }], [{ from: "start", to: "ask" }]),
      createKindRegistry([...BUILTIN_KINDS, COMING_SOON]),
    );
    expect(errors).toEqual([
      {
        path: "nodes[1].type",
        code: "kind_not_available",
        message: 'node type "teleport" is coming soon and cannot run yet',
      },
    ]);
  });

  it("accepts an unknown type with a warning that it will be skipped", () => {
    const result = validateWorkflow(
      workflow(
        [START, { id: "future", type: "quantum_leap", config: { anything: 1 } }],
        [{ from: "start", to: "future" }],
      ),
    );
    expect(result.ok).toBe(true);
    expect(result.warnings.map(readable)).toEqual([
      {
        path: "nodes[1].type",
        code: "unknown_type",
        message: 'unknown node type "quantum_leap": the node will be skipped at run time',
      },
    ]);
  });

  it("reports node and graph errors together, each with severity error", () => {
    const result = validateWorkflow(
      workflow([START, transform("t", "a +")], [{ from: "start", to: "ghost" }]),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [formatPath(e.path), e.severity])).toEqual([
      ["nodes[1].config.expression", "error"],
      ["edges[0].to", "error"],
    ]);
  });
});

describe("formatPath", () => {
  it("renders paths the way a reader writes them", () => {
    expect(formatPath([])).toBe("(root)");
    expect(formatPath(["nodes", 1, "config", "url"])).toBe("nodes[1].config.url");
    expect(formatPath(["edges", 0])).toBe("edges[0]");
    expect(formatPath(["nodes", 1, "config", "node", "config", "expression"])).toBe(
      "nodes[1].config.node.config.expression",
    );
  });
});

describe("validateWorkflow: bounded expressions", () => {
  it("refuses a nested-quantifier regex in an expression at its path", () => {
    const errors = errorsOf(
      workflow(
        [START, transform("t"), transform("m", "$match(input.s, /(a+)+$/)")],
        [
          { from: "start", to: "t" },
          { from: "t", to: "m" },
        ],
      ),
    );
    expect(errors).toEqual([
      {
        path: "nodes[2].config.expression",
        code: "unsafe_regex",
        message: expect.stringContaining("/(a+)+$/ can backtrack catastrophically"),
      },
    ]);
  });

  it("finds regexes in templates of any config and in a map's items and step", () => {
    const errors = errorsOf(
      workflow(
        [
          START,
          {
            id: "call",
            type: "http",
            config: { url: "https://x.test/{{ $replace(input.q, /(x+x+)+y/, '') }}" },
          },
          {
            id: "each",
            type: "map",
            config: {
              items: "input.list[$contains($, /^(\\d*)*$/)]",
              node: { type: "condition", config: { expression: "$contains(item, /a(?=b)/)" } },
            },
          },
        ],
        [
          { from: "start", to: "call" },
          { from: "start", to: "each" },
        ],
      ),
    );
    expect(errors.map((e) => [e.path, e.code])).toEqual([
      ["nodes[1].config.url", "unsafe_regex"],
      ["nodes[2].config.items", "unsafe_regex"],
      ["nodes[2].config.node.config.expression", "unsupported_regex"],
    ]);
  });

  it("takes expressionTimeoutMs from 1 to 1000 and refuses more at its path", () => {
    const within = validateWorkflow(
      workflow(
        [START, { ...transform("t"), expressionTimeoutMs: 1000 }],
        [{ from: "start", to: "t" }],
      ),
    );
    expect(within.ok).toBe(true);
    expect(errorsOf(workflow([START, { ...transform("t"), expressionTimeoutMs: 1001 }]))).toEqual([
      {
        path: "nodes[1].expressionTimeoutMs",
        code: "invalid_shape",
        message: "must be at most 1000 ms",
      },
    ]);
    expect(
      errorsOf(workflow([START, { ...transform("t"), expressionTimeoutMs: 0 }]))[0]?.path,
    ).toBe("nodes[1].expressionTimeoutMs");
  });
});
