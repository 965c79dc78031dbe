import { describe, expect, it } from "vitest";
import { both, definition, end, nodeIn } from "../../test/support/engine/definitions";
import type { RunContext } from "../executors/context";
import { agentKeyParts, keyParts, semanticKey } from "./cache-key";
import { cacheSpec, DEFAULT_AGENT_CACHE_TTL_SECONDS } from "./cache-keys";

const context = (input: unknown, nodes: RunContext["nodes"] = {}): RunContext => ({
  input,
  nodes,
  run: { id: "run_1", startedAt: "2026-01-01T00:00:00.000Z", workflowId: "wf", version: 1 },
});

describe("semantic cache keys: which nodes", () => {
  it("marks GETs and transforms that ask for it, and records why", () => {
    const { optimised } = both(
      definition(
        [
          { id: "get", type: "http", config: { url: "https://x/a", cache: { ttlSeconds: 60 } } },
          {
            id: "post",
            type: "http",
            config: { method: "POST", url: "https://x/a", cache: { ttlSeconds: 60 } },
          },
          { id: "plain", type: "http", config: { url: "https://x/b" } },
          {
            id: "calc",
            type: "transform",
            config: { expression: "input.n + nodes.get.output.body.n", cache: { ttlSeconds: 30 } },
          },
          {
            id: "clock",
            type: "transform",
            config: { expression: "$now()", cache: { ttlSeconds: 30 } },
          },
          end("done", "{{ [nodes.calc.output, nodes.clock.output, nodes.plain.output] }}"),
        ],
        [
          { from: "start", to: "get" },
          { from: "start", to: "post" },
          { from: "start", to: "plain" },
          { from: "get", to: "calc" },
          { from: "calc", to: "clock" },
          { from: "clock", to: "done" },
          { from: "plain", to: "done" },
        ],
      ),
    );
    expect(nodeIn(optimised, "get").cache).toEqual({ ttlSeconds: 60, inputs: [] });
    expect(nodeIn(optimised, "post").cache).toBeUndefined();
    expect(nodeIn(optimised, "plain").cache).toBeUndefined();
    expect(nodeIn(optimised, "calc").cache).toEqual({
      ttlSeconds: 30,
      inputs: ["input", "nodes.get"],
    });
    expect(nodeIn(optimised, "clock").cache).toBeUndefined();
    expect(
      optimised.rewrites.filter((r) => r.pass === "cache_keys").map((r) => r.nodes[0]),
    ).toEqual(["get", "calc"]);
  });

  it("marks an agent only at temperature 0 with caching on", () => {
    const agent = (config: Record<string, unknown>) => cacheSpec({ type: "agent", config });
    expect(agent({ prompt: "p", temperature: 0, cache: true })).toEqual({
      ttlSeconds: DEFAULT_AGENT_CACHE_TTL_SECONDS,
      inputs: [],
    });
    expect(agent({ prompt: "p", temperature: 0, cache: { ttlSeconds: 5 } })?.ttlSeconds).toBe(5);
    expect(agent({ prompt: "p", temperature: 0.7, cache: true })).toBeNull();
    expect(agent({ prompt: "p", cache: true })).toBeNull();
    expect(agent({ prompt: "p", temperature: 0 })).toBeNull();
  });

  it("marks an agent with tools only while none is marked as having effects", () => {
    const agent = (config: Record<string, unknown>) =>
      cacheSpec({ type: "agent", config: { prompt: "p", temperature: 0, cache: true, ...config } });
    const tool = (effects: boolean) => ({
      name: "lookup",
      description: "Looks it up",
      request: { url: "https://api.example.com/{{ args.id }}" },
      effects,
    });
    expect(agent({ httpTools: [tool(false)] })).toEqual({
      ttlSeconds: DEFAULT_AGENT_CACHE_TTL_SECONDS,
      inputs: [],
    });
    expect(agent({ httpTools: [tool(false), { ...tool(true), name: "send" }] })).toBeNull();
    // Which MCP tools have effects is the servers' registration: the run checks it.
    expect(agent({ mcp: [{ server: "github", tools: ["search_issues"] }] })).toEqual({
      ttlSeconds: DEFAULT_AGENT_CACHE_TTL_SECONDS,
      inputs: [],
      unlessMcpEffects: [{ server: "github", tools: ["search_issues"] }],
    });
  });
});

describe("semantic cache keys: the key", () => {
  const base = {
    prompt: "Summarise ticket 42",
    system: "Be brief",
    tools: ["http_request"],
    temperature: 0,
    cache: true,
  };
  const key = (config: Record<string, unknown>, defaultModel = "gpt-4o-mini") =>
    semanticKey(agentKeyParts(config, defaultModel));

  it("is the same for the same agent config, whatever the key order or the TTL", async () => {
    const reordered = {
      cache: { ttlSeconds: 9 },
      temperature: 0,
      tools: ["http_request"],
      system: "Be brief",
      prompt: "Summarise ticket 42",
    };
    expect(await key(reordered)).toBe(await key(base));
    expect(await key(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes with the prompt, the model, the tools or any other config", async () => {
    const original = await key(base);
    const changed = [
      await key({ ...base, prompt: "Summarise ticket 43" }),
      await key({ ...base, model: "gpt-4o" }),
      await key(base, "another-default"),
      await key({ ...base, tools: ["http_request", "get_workflow"] }),
      await key({ ...base, system: "Be thorough" }),
      await key({ ...base, maxTokens: 100 }),
    ];
    for (const k of changed) expect(k).not.toBe(original);
    expect(new Set(changed).size).toBe(changed.length);
    // The node's own model and the same model by default are the same request.
    expect(await key({ ...base, model: "gpt-4o-mini" })).toBe(original);
  });

  it("keys a transform on its expression and the values it reads", async () => {
    const spec = { ttlSeconds: 60, inputs: ["input", "nodes.a"] };
    const node = { type: "transform", config: { expression: "input.n + nodes.a.output" } };
    const ctx = context(
      { n: 1 },
      { a: { status: "succeeded", output: 2 }, b: { status: "succeeded", output: 9 } },
    );
    const k = await semanticKey(keyParts(node, spec, ctx));
    // A node it does not read changes nothing; what it reads does.
    const other = context(
      { n: 1 },
      { a: { status: "succeeded", output: 2 }, b: { status: "succeeded", output: 0 } },
    );
    expect(await semanticKey(keyParts(node, spec, other))).toBe(k);
    const moved = context({ n: 1 }, { a: { status: "succeeded", output: 3 } });
    expect(await semanticKey(keyParts(node, spec, moved))).not.toBe(k);
    const absent = context({ n: 1 }, { a: { status: "skipped" } });
    const asNull = context({ n: 1 }, { a: { status: "skipped", output: null } });
    expect(await semanticKey(keyParts(node, spec, absent))).not.toBe(
      await semanticKey(keyParts(node, spec, asNull)),
    );
    const rewritten = { type: "transform", config: { expression: "input.n + nodes.a.output + 0" } };
    expect(await semanticKey(keyParts(rewritten, spec, ctx))).not.toBe(k);
  });

  it("keys an http GET on its rendered request only", async () => {
    const spec = { ttlSeconds: 60, inputs: [] };
    const get = (config: Record<string, unknown>) =>
      semanticKey(keyParts({ type: "http", config }, spec, context({})));
    const k = await get({ url: "https://x/a", cache: { ttlSeconds: 60 } });
    expect(await get({ url: "https://x/a", cache: { ttlSeconds: 5 } })).toBe(k);
    expect(await get({ url: "https://x/b", cache: { ttlSeconds: 60 } })).not.toBe(k);
    expect(
      await get({ url: "https://x/a", headers: { a: "1" }, cache: { ttlSeconds: 60 } }),
    ).not.toBe(k);
  });
});
