import { describe, expect, it } from "vitest";
import type { WorkflowDefinition } from "../workflow/definition";
import { validateWorkflow } from "../workflow/validate";
import { buildMessages } from "./prompt";

function workflow(): WorkflowDefinition {
  const r = validateWorkflow({
    name: "support",
    nodes: [
      { id: "start", type: "start" },
      {
        id: "triage",
        type: "agent",
        config: { prompt: "Triage this ticket: {{ input.ticket }}", tools: ["patch_workflow"] },
      },
      { id: "reply", type: "transform", config: { expression: "nodes.triage.output" } },
    ],
    edges: [
      { from: "start", to: "triage" },
      { from: "triage", to: "reply" },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.definition;
}

/** The prompt as the RunObject renders it for one run: run-specific data. */
const TASK = "Triage this ticket: printer 7 on floor 3 is on fire (ticket #48151623)";

describe("buildMessages", () => {
  it("sends the system part first and the task last, as the user message", () => {
    const messages = buildMessages("triage", { prompt: TASK }, workflow());
    expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(messages.at(-1)).toEqual({ role: "user", content: TASK });
  });

  it("puts nothing from the task in the system message", () => {
    const [system] = buildMessages("triage", { prompt: TASK, system: "Be brief." }, workflow());
    for (const piece of ["printer 7", "floor 3", "48151623", "on fire"]) {
      expect(system!.content).not.toContain(piece);
    }
  });

  it("gives the same system message for every task: what providers cache", () => {
    const def = workflow();
    const config = { system: "Answer in French." };
    const a = buildMessages("triage", { ...config, prompt: TASK }, def);
    const b = buildMessages("triage", { ...config, prompt: "Triage: the coffee machine" }, def);
    expect(b[0]).toEqual(a[0]);
    expect(b[1]).not.toEqual(a[1]);
  });

  it("orders the system message: platform, the node's instructions, the graph, the node's id", () => {
    const [system] = buildMessages("triage", { prompt: TASK, system: "Be brief." }, workflow());
    const content = system!.content;
    const at = (s: string) => {
      const i = content.indexOf(s);
      expect(i, `missing: ${s}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(content.startsWith("You are an agent step inside an aob workflow run.")).toBe(true);
    const order = [
      at("patch_workflow tool"),
      at("Be brief."),
      at("The workflow (JSON):"),
      at("Your node id: triage"),
    ];
    expect([...order].sort((x, y) => x - y)).toEqual(order);
  });

  it("shows the graph the run executes: nodes with their config, and edges", () => {
    const [system] = buildMessages("triage", { prompt: TASK }, workflow());
    const json = system!.content.split("The workflow (JSON):\n")[1]!.split("\n\nYour node id")[0]!;
    const graph = JSON.parse(json);
    expect(graph.name).toBe("support");
    expect(graph.nodes.map((n: { id: string }) => n.id)).toEqual(["start", "triage", "reply"]);
    expect(graph.nodes[2]).toEqual({
      id: "reply",
      type: "transform",
      config: { expression: "nodes.triage.output" },
    });
    expect(graph.edges).toEqual([
      { from: "start", to: "triage" },
      { from: "triage", to: "reply" },
    ]);
  });

  it("leaves no empty paragraph when the node has no instructions of its own", () => {
    const [system] = buildMessages("triage", { prompt: TASK }, workflow());
    expect(system!.content).not.toContain("\n\n\n");
  });
});
