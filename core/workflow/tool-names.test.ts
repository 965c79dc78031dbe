import { describe, expect, it } from "vitest";
import { baseToolName, MAX_TOOL_NAME, TOOL_NAME, toolNames } from "./tool-names";

describe("tool names for workflows", () => {
  it("derives a name every model API accepts from the workflow's name", () => {
    expect(baseToolName("Summarise ticket!")).toBe("summarise_ticket");
    expect(baseToolName("Café: résumé — v2")).toBe("cafe_resume_v2");
    expect(baseToolName("  --  ")).toBe("workflow");
    expect(baseToolName("日本語")).toBe("workflow");
    const long = baseToolName(`${"a".repeat(70)} b`);
    expect(long).toHaveLength(MAX_TOOL_NAME);
    for (const name of ["x", "Summarise ticket!", `${"ab_".repeat(40)}`, "__a__"]) {
      expect(baseToolName(name)).toMatch(TOOL_NAME);
    }
  });

  it("gives each workflow its own name: the first keeps it, later ones add their id", () => {
    const names = toolNames(
      [
        { id: "wf_0001aaaa", name: "Triage" },
        { id: "wf_0002bbbb", name: "triage" },
        { id: "wf_0003cccc", name: "get run" },
        { id: "wf_0004dddd", name: "Other" },
      ],
      new Set(["get_run"]),
    );
    expect([...names]).toEqual([
      ["wf_0001aaaa", "triage"],
      ["wf_0002bbbb", "triage_0002bbbb"],
      ["wf_0003cccc", "get_run_0003cccc"],
      ["wf_0004dddd", "other"],
    ]);
  });

  it("stays collision-free and within the rules however names and ids clash", () => {
    const long = "x".repeat(80);
    // The same name, ids ending alike, and a name that spells another's suffixed name.
    const workflows = [
      { id: "wf_aaaa12345678", name: long },
      { id: "wf_bbbb12345678", name: long },
      { id: "wf_cccc12345678", name: long },
      { id: "wf_dddd", name: `${"x".repeat(55)}_12345678` },
      { id: "WF-Ünïcode", name: long },
    ];
    const names = [...toolNames(workflows, new Set([baseToolName(long)])).values()];
    expect(names).toHaveLength(workflows.length);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(TOOL_NAME);
    expect(names).not.toContain(baseToolName(long));
  });
});
