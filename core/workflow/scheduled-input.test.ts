import { describe, expect, it } from "vitest";
import type { WorkflowDefinition } from "./definition";
import { scheduledInput, scheduledInputIssues, scheduleInputWarning } from "./scheduled-input";

const withSchema = (inputSchema?: object): WorkflowDefinition => ({
  name: "x",
  nodes: [{ id: "start", type: "start", config: inputSchema ? { inputSchema } : {}, join: "all" }],
  edges: [],
});

describe("a scheduled run's input", () => {
  it("is the minute it was due, in UTC", () => {
    expect(scheduledInput(new Date(Date.UTC(2026, 10, 24, 10, 15)))).toEqual({
      scheduledAt: "2026-11-24T10:15:00.000Z",
    });
  });

  it("passes a workflow without a schema, or one that takes { scheduledAt }", () => {
    expect(scheduledInputIssues(withSchema())).toEqual([]);
    const takes = { type: "object", properties: { scheduledAt: { type: "string" } } };
    expect(scheduledInputIssues(withSchema(takes))).toEqual([]);
    expect(scheduleInputWarning(withSchema(takes))).toBeNull();
  });

  it("is refused by a schema that requires something else, with the path of each problem", () => {
    const strict = withSchema({ type: "object", required: ["customer"] });
    expect(scheduledInputIssues(strict)).toEqual([
      expect.objectContaining({ path: ["input"], code: "invalid_input" }),
    ]);
    expect(scheduleInputWarning(strict)).toMatchObject({
      path: ["nodes", 0, "config", "inputSchema"],
      code: "schedule_input_refused",
      severity: "warning",
      message: expect.stringMatching(/\{ scheduledAt \}.*input: .*"customer"/),
    });
  });
});
