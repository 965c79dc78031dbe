import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { AGENT_TOOLS, type AgentTool } from "../kinds/agent";
import { PATCH_EXAMPLE } from "../patches/ops";
import { toolDefinitions } from "./tools";

const names = (tools: readonly AgentTool[]) => toolDefinitions(tools).map((t) => t.function.name);

/** Every order of a list. */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]),
  );
}

describe("toolDefinitions", () => {
  it("has a fixed order whatever order the node lists its tools in (prompt caching)", () => {
    const reference = JSON.stringify(toolDefinitions(AGENT_TOOLS));
    expect(names(AGENT_TOOLS)).toEqual(["get_workflow", "patch_workflow", "http_request"]);
    for (const order of permutations(AGENT_TOOLS)) {
      expect(JSON.stringify(toolDefinitions(order))).toBe(reference);
    }
  });

  it("keeps the fixed order for any subset", () => {
    expect(names(["http_request", "get_workflow"])).toEqual(["get_workflow", "http_request"]);
    expect(names(["http_request", "patch_workflow"])).toEqual(["patch_workflow", "http_request"]);
    expect(names(["patch_workflow"])).toEqual(["patch_workflow"]);
  });

  it("gives only the tools the node enables, each once", () => {
    expect(toolDefinitions([])).toEqual([]);
    expect(names(["http_request", "http_request"])).toEqual(["http_request"]);
  });

  it("is byte-identical from one call to the next", () => {
    const a = JSON.stringify(toolDefinitions(["patch_workflow", "http_request"]));
    const b = JSON.stringify(toolDefinitions(["http_request", "patch_workflow"]));
    expect(b).toBe(a);
  });

  it("is in the chat-completions shape, with object schemas for parameters", () => {
    for (const t of toolDefinitions(AGENT_TOOLS)) {
      expect(t.type).toBe("function");
      expect(t.function.description.length).toBeGreaterThan(20);
      expect(t.function.parameters).toMatchObject({ type: "object" });
    }
  });

  it("patch_workflow's schema accepts the example refusals show, and refuses an empty patch", () => {
    const [patchTool] = toolDefinitions(["patch_workflow"]);
    const validator = new Validator(patchTool!.function.parameters as never, "2020-12");
    expect(validator.validate(PATCH_EXAMPLE).valid).toBe(true);
    expect(validator.validate({ ops: [] }).valid).toBe(false);
    expect(validator.validate({ ops: [{ op: "explode" }] }).valid).toBe(false);
  });

  it("http_request's schema takes a URL and an optional method", () => {
    const [http] = toolDefinitions(["http_request"]);
    const validator = new Validator(http!.function.parameters as never, "2020-12");
    expect(validator.validate({ url: "https://api.example.com" }).valid).toBe(true);
    expect(validator.validate({ url: "https://api.example.com", method: "POST" }).valid).toBe(true);
    expect(validator.validate({ method: "GET" }).valid).toBe(false);
    expect(validator.validate({ url: "https://x.test", method: "TRACE" }).valid).toBe(false);
  });
});
