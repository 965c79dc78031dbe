import { describe, expect, it } from "vitest";
import { PATCH_EXAMPLE, Patch } from "../patches/ops";
import { parsePatchArgs, refusal } from "./patch-tool";

/** What the model reads back: the refusal's JSON. */
function refused(text: string): { status: string; problems: string[]; example: unknown } {
  const r = parsePatchArgs(text);
  if (r.ok) throw new Error("expected a refusal");
  return JSON.parse(r.message);
}

describe("parsePatchArgs", () => {
  it("arguments that are not JSON: refused, saying so, with a valid example", () => {
    const r = refused('{"ops": [');
    expect(r.status).toBe("rejected");
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^\(arguments\): not JSON: /);
    expect(r.example).toEqual(PATCH_EXAMPLE);
  });

  it("a node missing from add_node: the path names it", () => {
    expect(refused('{"ops":[{"op":"add_node"}]}').problems).toEqual([
      "ops[0].node: Invalid input: expected object, received undefined",
    ]);
  });

  it("a bad id deep in an op: the full path, and the rule", () => {
    const args = {
      ops: [
        { op: "add_node", node: { id: "ok_node", type: "transform", config: { expression: "1" } } },
        { op: "add_edge", edge: { from: "ok_node", to: "Bad-Id" } },
      ],
    };
    const [problem, ...rest] = refused(JSON.stringify(args)).problems;
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^ops\[1\]\.edge\.to: must start with a lowercase letter/);
  });

  it("an unknown op: the path of `op` and the ops there are", () => {
    const [problem] = refused('{"ops":[{"op":"delete_node","id":"x"}]}').problems;
    expect(problem).toMatch(/^ops\[0\]\.op: /);
    for (const op of ["add_node", "add_edge", "remove_edge", "update_node"]) {
      expect(problem).toContain(op);
    }
  });

  it("every problem is listed, each with its path", () => {
    const args = {
      ops: [
        { op: "add_edge", edge: { from: "a" } },
        { op: "update_node", id: "b" },
        { op: "remove_edge", from: "a", to: "b", extra: 1 },
      ],
    };
    const problems = refused(JSON.stringify(args)).problems;
    expect(problems.map((p) => p.split(":")[0])).toEqual(["ops[0].edge.to", "ops[1]", "ops[2]"]);
    expect(problems[1]).toContain("update_node changes nothing");
    expect(problems[2]).toContain("extra");
  });

  it("no ops, or not an object: refused at the root", () => {
    expect(refused('{"ops":[]}').problems[0]).toMatch(/^ops: /);
    expect(refused("[]").problems[0]).toMatch(/^\(root\): /);
  });

  it("a valid patch: parsed, with defaults filled in", () => {
    const r = parsePatchArgs(
      JSON.stringify({
        reason: "look it up",
        ops: [
          {
            op: "add_node",
            node: { id: "lookup", type: "http", config: { url: "https://x.test" } },
          },
          { op: "add_edge", edge: { from: "start", to: "lookup" } },
        ],
      }),
    );
    expect(r).toEqual({
      ok: true,
      patch: {
        reason: "look it up",
        ops: [
          {
            op: "add_node",
            node: { id: "lookup", type: "http", config: { url: "https://x.test" }, join: "all" },
          },
          { op: "add_edge", edge: { from: "start", to: "lookup" } },
        ],
      },
    });
  });

  it("the example shown with every refusal is itself a valid patch", () => {
    expect(Patch.safeParse(PATCH_EXAMPLE).success).toBe(true);
    expect(parsePatchArgs(JSON.stringify(PATCH_EXAMPLE)).ok).toBe(true);
  });
});

describe("refusal", () => {
  it("is JSON with the status, the problems in order, and the example", () => {
    expect(JSON.parse(refusal(['ops[0].edge.to: no node "x"', "nodes: limit"]))).toEqual({
      status: "rejected",
      problems: ['ops[0].edge.to: no node "x"', "nodes: limit"],
      example: PATCH_EXAMPLE,
    });
  });
});
