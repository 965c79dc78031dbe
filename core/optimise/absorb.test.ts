import { describe, expect, it } from "vitest";
import { both, definition, end, nodeIn, transform } from "../../test/support/engine/definitions";
import { drive } from "../../test/support/engine/drive";

describe("conditional absorber", () => {
  const flags = definition(
    [
      transform("cfg", "{ 'region': 'eu', 'beta': false, 'limit': 3 }"),
      {
        id: "region",
        type: "switch",
        config: { expression: "nodes.cfg.output.region", cases: ["eu", "us"] },
      },
      transform("eu_path", "'eu:' & input.user"),
      transform("us_path", "'us:' & input.user"),
      { id: "beta", type: "condition", config: { expression: "nodes.cfg.output.beta" } },
      transform("beta_on", "'beta'"),
      transform("beta_off", "'stable'"),
      { id: "merge", type: "join", join: "any" },
      end("done", { who: "{{ nodes.merge.output }}", channel: "{{ nodes.beta_off.output }}" }),
    ],
    [
      { from: "start", to: "cfg" },
      { from: "cfg", to: "region" },
      { from: "region", to: "eu_path", on: "eu" },
      { from: "region", to: "us_path", on: "us" },
      { from: "cfg", to: "beta" },
      { from: "beta", to: "beta_on", on: "true" },
      { from: "beta", to: "beta_off", on: "false" },
      { from: "eu_path", to: "merge" },
      { from: "us_path", to: "merge" },
      { from: "merge", to: "done" },
      { from: "beta_off", to: "done" },
      { from: "beta_on", to: "done" },
    ],
  );

  it("resolves a switch and a condition on a constant config node at compile time", () => {
    const { optimised } = both(flags);
    expect(nodeIn(optimised, "region").config.expression).toBe('"eu"');
    expect(nodeIn(optimised, "beta").config.expression).toBe("false");
    expect(nodeIn(optimised, "us_path").omit).toEqual({
      pass: "absorb_conditions",
      reason: 'never reached: "region" always takes port "eu"',
    });
    expect(nodeIn(optimised, "beta_on").omit?.pass).toBe("absorb_conditions");
    expect(nodeIn(optimised, "eu_path").omit).toBeUndefined();
    expect(nodeIn(optimised, "merge").omit).toBeUndefined();
    const rewrite = optimised.rewrites.find((r) => r.nodes[0] === "region");
    expect(rewrite).toMatchObject({
      pass: "absorb_conditions",
      nodes: ["region", "us_path"],
      detail: { expression: { from: "nodes.cfg.output.region", to: '"eu"' }, port: "eu" },
    });
    expect(rewrite?.reason).toContain('always takes port "eu"');
  });

  it("gives the run the same output, ports and outputs; pruned nodes show as skipped with why", async () => {
    const { plain, optimised } = both(flags);
    const before = await drive(plain, { input: { user: "ada" } });
    const after = await drive(optimised, { input: { user: "ada" } });
    expect(after.status).toBe("completed");
    expect(after.outputs.done).toEqual({ who: { eu_path: "eu:ada" }, channel: "stable" });
    expect(after.outputs).toEqual(before.outputs);
    expect(after.statuses).toEqual(before.statuses);
    const skipped = after.events.find((e) => e.type === "node_skipped" && e.nodeId === "us_path");
    expect(skipped?.data).toMatchObject({
      reason: "no_branch_taken",
      rewrite: {
        pass: "absorb_conditions",
        reason: 'never reached: "region" always takes port "eu"',
      },
    });
  });

  it("folds literal conditions and prunes their error edges too", () => {
    const { optimised } = both(
      definition(
        [
          { id: "check", type: "condition", config: { expression: "1 + 1 = 2 and 'a' < 'b'" } },
          transform("yes", "1"),
          transform("no", "2"),
          transform("oops", "3"),
          end("done", "{{ nodes.yes.output }}"),
        ],
        [
          { from: "start", to: "check" },
          { from: "check", to: "yes", on: "true" },
          { from: "check", to: "no", on: "false" },
          { from: "check", to: "oops", on: "error" },
          { from: "yes", to: "done" },
        ],
      ),
    );
    expect(nodeIn(optimised, "check").config.expression).toBe("true");
    expect(nodeIn(optimised, "no").omit?.pass).toBe("absorb_conditions");
    expect(nodeIn(optimised, "oops").omit?.pass).toBe("absorb_conditions");
  });

  it("leaves a condition alone when its value depends on the run", () => {
    const cases = [
      "input.n > 1",
      "$now() = ''",
      "$random() < 2",
      // cfg does not dominate `check`: the error edge reaches it without cfg succeeding.
      "nodes.cfg.output = 1",
    ];
    for (const expression of cases) {
      const { optimised } = both(
        definition(
          [
            { id: "probe", type: "http", config: { url: "https://api.example.com/x" } },
            transform("cfg", "1"),
            { id: "check", type: "condition", config: { expression }, join: "any" },
            transform("yes", "1"),
            end("done", "{{ nodes.yes.output }}"),
          ],
          [
            { from: "start", to: "probe" },
            { from: "probe", to: "cfg" },
            { from: "probe", to: "check", on: "error" },
            { from: "cfg", to: "check" },
            { from: "check", to: "yes", on: "true" },
            { from: "yes", to: "done" },
          ],
        ),
      );
      expect(nodeIn(optimised, "check").config.expression).toBe(expression);
      expect(optimised.rewrites.filter((r) => r.pass === "absorb_conditions")).toEqual([]);
    }
  });

  it("keeps a join that a live branch still reaches", () => {
    const { optimised } = both(
      definition(
        [
          { id: "check", type: "condition", config: { expression: "false" } },
          transform("yes", "1"),
          transform("other", "2"),
          { id: "merge", type: "join" },
          end("done", "{{ nodes.merge.output }}"),
        ],
        [
          { from: "start", to: "check" },
          { from: "start", to: "other" },
          { from: "check", to: "yes", on: "true" },
          { from: "yes", to: "merge" },
          { from: "other", to: "merge" },
          { from: "merge", to: "done" },
        ],
      ),
    );
    expect(nodeIn(optimised, "yes").omit?.pass).toBe("absorb_conditions");
    expect(nodeIn(optimised, "merge").omit).toBeUndefined();
  });

  it("does not touch nodes a loop may run again", () => {
    const { optimised } = both(
      definition(
        [
          transform("body", "1"),
          { id: "again", type: "condition", config: { expression: "1 = 2" } },
          end("done", "{{ nodes.body.output }}"),
        ],
        [
          { from: "start", to: "body" },
          { from: "body", to: "again" },
          { from: "again", to: "body", on: "true", loop: { maxIterations: 3 } },
          { from: "again", to: "done", on: "false" },
        ],
      ),
    );
    expect(nodeIn(optimised, "again").config.expression).toBe("1 = 2");
    expect(optimised.rewrites.filter((r) => r.pass === "absorb_conditions")).toEqual([]);
  });
});
