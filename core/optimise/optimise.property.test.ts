import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DriveResult, drive, type ServerRequest } from "../../test/support/engine/drive";
import { randomServer, randomWorkflow } from "../../test/support/engine/random-workflows";
import { compile } from "../compile/compile";
import type { IR } from "../compile/ir";
import { validateWorkflow } from "../workflow/validate";

function compiled(definition: unknown): { plain: IR; optimised: IR } | null {
  const checked = validateWorkflow(definition);
  if (!checked.ok) return null;
  return {
    plain: compile(checked.definition, { optimise: false }),
    optimised: compile(checked.definition),
  };
}

const requestText = (r: ServerRequest) =>
  JSON.stringify([r.method, r.url, Object.entries(r.headers).sort(), r.body ?? null]);

/** POSTs are not idempotent: each one counts. */
const posts = (r: DriveResult) =>
  r.requests
    .filter((q) => q.method !== "GET" && q.method !== "HEAD")
    .map(requestText)
    .sort();
const distinct = (r: DriveResult) => [...new Set(r.requests.map(requestText))].sort();

describe("optimised and unoptimised IR agree (random graphs and inputs)", () => {
  it("same end outputs, same node results, same side effects", async () => {
    let optimisedSomething = 0;
    await fc.assert(
      fc.asyncProperty(randomWorkflow, async ({ definition, input }) => {
        const ir = compiled(definition);
        if (!ir) return; // the generator may draw a graph validation refuses (none seen so far)
        const before = await drive(ir.plain, { input, server: randomServer });
        const after = await drive(ir.optimised, { input, server: randomServer });
        if (ir.optimised.rewrites.some((r) => r.pass !== "schedule")) optimisedSomething++;

        // The same distinct requests reach the server (GETs may be shared), and every POST.
        expect(distinct(after)).toEqual(distinct(before));
        expect(posts(after)).toEqual(posts(before));
        expect(after.requests.length + after.requestsSaved).toBe(before.requests.length);

        const omitted = new Map(ir.optimised.nodes.map((n) => [n.id, n.omit?.pass]));
        // A join on "any" lists the branches that fired first (delivery order decides), and a
        // join outputs its parents' outputs: those values are timing-dependent in any engine.
        const timing = new Set<string>();
        for (const node of ir.plain.nodes) {
          if (node.type !== "join") continue;
          const parents = node.in.map((i) => ir.plain.edges[i]!.from);
          if (node.join === "any" || parents.some((p) => timing.has(p))) timing.add(node.id);
        }
        for (const node of ir.optimised.nodes) {
          const pass = omitted.get(node.id);
          if (pass === "absorb_conditions") {
            // Pruned: it would not have run anyway.
            expect(before.statuses[node.id], node.id).toBe("skipped");
            expect(after.statuses[node.id], node.id).toBe("skipped");
          } else if (pass === "eliminate_dead") {
            expect(after.statuses[node.id], node.id).toBe("skipped");
          } else {
            // Every node that runs, end nodes included, ends the same with the same output.
            expect(after.statuses[node.id], node.id).toBe(before.statuses[node.id]);
            if (!timing.has(node.id)) {
              expect(after.outputs[node.id], node.id).toEqual(before.outputs[node.id]);
            }
          }
        }
        // The run's status too, unless what failed it was a dead node, no longer evaluated.
        const failedDead = Object.entries(before.statuses).some(
          ([id, status]) => status === "failed" && omitted.get(id) === "eliminate_dead",
        );
        if (!failedDead) expect(after.status).toBe(before.status);
        // Fusion and elimination only ever save steps.
        expect(after.steps).toBeLessThanOrEqual(before.steps);
      }),
      { numRuns: 400 },
    );
    // The generator must give the passes work, or this test proves little.
    expect(optimisedSomething).toBeGreaterThan(150);
  });
});
