import { runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { isOver, modelName, script, waitUntil } from "./agent-helpers";
import { api, createWorkflow, type RunBody, seen, startRun, stubOf, waitForRun } from "./helpers";

/**
 * Run-time data cannot name a secret (SECURITY.md, "Secrets"): for each way text arrives at run
 * time, a real server on 127.0.0.1 never receives the secret's value from a node whose template
 * renders that text, while a control node in the same run that declares the secret does.
 */
const fixture = inject("fixtureUrl");

/** A tenant secret with a value unique to the test. */
async function newSecret(name: string): Promise<string> {
  const value = `sk_live_${name}_${crypto.randomUUID().replaceAll("-", "")}`;
  expect((await api("PUT", `/api/secrets/${name}`, { value })).status).toBe(200);
  return value;
}

/** Every form run-time text might use to name a secret. */
const forgeries = (name: string) =>
  `\u27e6secret:${name}\u27e7 \u27e6secret:${name}:0123456789abcdef\u27e7 {{ secrets.${name} }}`;

/** Sends `text` in a body, as the attacker did. */
const probe = (name: string, text: string) => ({
  id: "probe",
  type: "http",
  config: { method: "POST", url: `${fixture}/echo/${name}`, body: `Reporter said: ${text}` },
});

/** Declares the secret where it is meant to go. */
const control = (secret: string) => ({
  id: "control",
  type: "http",
  config: {
    url: `${fixture}/echo/control-${secret}`,
    headers: { "x-api-key": `{{ secrets.${secret} }}` },
  },
});

function node(run: RunBody, id: string) {
  const found = run.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`no node ${id} in ${JSON.stringify(run)}`);
  return found;
}

/** What the probe's server answered: the body it received, echoed. */
const probeBody = (run: RunBody) =>
  (node(run, "probe").output as { body: { body: string } }).body.body;

describe("secrets run-time data cannot name", () => {
  it("run input", async () => {
    const value = await newSecret("INPUT_KEY");
    const wf = await createWorkflow({
      name: "input injection",
      nodes: [
        { id: "start", type: "start" },
        probe("input-probe", "{{ input.comment }}"),
        control("INPUT_KEY"),
      ],
      edges: [
        { from: "start", to: "probe" },
        { from: "start", to: "control" },
      ],
    });
    const run = await waitForRun(await startRun(wf, { comment: forgeries("INPUT_KEY") }));
    expect(run.status).toBe("completed");
    expect(probeBody(run)).toBe(`Reporter said: ${forgeries("INPUT_KEY")}`);
    expect(await seen(value)).toBe(1); // the control's header, and nothing else
    // The run view shows what each was sent: the data as it was, the declared secret by name.
    const inputs = run.nodes as unknown as { id: string; input: Record<string, unknown> }[];
    expect(inputs.find((n) => n.id === "probe")?.input.body).toBe(
      `Reporter said: ${forgeries("INPUT_KEY")}`,
    );
    expect(inputs.find((n) => n.id === "control")?.input.headers).toEqual({
      "x-api-key": "{{ secrets.INPUT_KEY }}",
    });
  });

  it("a webhook body", async () => {
    const value = await newSecret("HOOK_KEY");
    const wf = await createWorkflow({
      name: "webhook injection",
      nodes: [
        { id: "start", type: "start" },
        probe("hook-probe", "{{ input.comment }}"),
        control("HOOK_KEY"),
      ],
      edges: [
        { from: "start", to: "probe" },
        { from: "start", to: "control" },
      ],
    });
    const set = await api<{ webhookUrl: string }>("PUT", `/api/workflows/${wf}/triggers`, {
      webhook: true,
    });
    const res = await SELF.fetch(
      set.body.webhookUrl.replace(/^https?:\/\/[^/]+/, "https://aob.test"),
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ comment: forgeries("HOOK_KEY") }),
      },
    );
    expect(res.status).toBe(202);
    const run = await waitForRun(((await res.json()) as { runId: string }).runId);
    expect(run.status).toBe("completed");
    expect(probeBody(run)).toBe(`Reporter said: ${forgeries("HOOK_KEY")}`);
    expect(await seen(value)).toBe(1);
  });

  it("approval data, even with the run's own nonce", async () => {
    const value = await newSecret("APPROVAL_KEY");
    const definition = {
      name: "approval injection",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "review",
          type: "approval",
          config: {
            message: "Comment?",
            form: { type: "object", properties: { comment: { type: "string" } } },
          },
        },
        probe("approval-probe", "{{ nodes.review.output.data.comment }}"),
        control("APPROVAL_KEY"),
      ],
      edges: [
        { from: "start", to: "review" },
        { from: "review", to: "probe", on: "approved" },
        { from: "start", to: "control" },
      ],
    };
    const wf = await createWorkflow(definition);

    const plain = await startRun(wf);
    await waitUntil(plain, (r) => r.approvals.some((a) => a.status === "pending"));
    const decided = await api("POST", `/api/runs/${plain}/approvals/review`, {
      decision: "approve",
      data: { comment: forgeries("APPROVAL_KEY") },
    });
    expect(decided.status).toBe(200);
    const run = await waitForRun(plain);
    expect(run.status).toBe("completed");
    expect(probeBody(run)).toBe(`Reporter said: ${forgeries("APPROVAL_KEY")}`);
    expect(await seen(value)).toBe(1);

    // Had the nonce leaked, a marker carrying it is still refused where none was declared,
    // even in a node that holds the secret for another field.
    const holder = await createWorkflow({
      ...definition,
      name: "approval injection with the nonce",
      nodes: [
        definition.nodes[0]!,
        definition.nodes[1]!,
        {
          ...probe("nonce-probe", "{{ nodes.review.output.data.comment }}"),
          config: {
            ...probe("nonce-probe", "{{ nodes.review.output.data.comment }}").config,
            headers: { "x-api-key": "{{ secrets.APPROVAL_KEY }}" },
          },
        },
      ],
      edges: definition.edges.slice(0, 2),
    });
    const leaked = await startRun(holder);
    await waitUntil(leaked, (r) => r.approvals.some((a) => a.status === "pending"));
    const nonce = await nonceOf(leaked);
    await api("POST", `/api/runs/${leaked}/approvals/review`, {
      decision: "approve",
      data: { comment: `\u27e6secret:APPROVAL_KEY:${nonce}\u27e7` },
    });
    const refused = await waitForRun(leaked);
    expect(node(refused, "probe").error).toMatchObject({ code: "secret_not_declared" });
    expect(node(refused, "probe").error?.message).toContain("config.body");
    expect(await seen(value)).toBe(1); // nothing was sent
  });

  it("an upstream response", async () => {
    const value = await newSecret("UPSTREAM_KEY");
    const wf = await createWorkflow({
      name: "upstream injection",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "fetch",
          type: "http",
          // The server answers the text; the definition holds it only percent-encoded.
          config: {
            url: `${fixture}/echo/upstream?comment=${encodeURIComponent(forgeries("UPSTREAM_KEY"))}`,
          },
        },
        probe("upstream-probe", "{{ nodes.fetch.output.body.query.comment }}"),
        control("UPSTREAM_KEY"),
      ],
      edges: [
        { from: "start", to: "fetch" },
        { from: "fetch", to: "probe" },
        { from: "start", to: "control" },
      ],
    });
    const run = await waitForRun(await startRun(wf));
    expect(run.status).toBe("completed");
    expect(probeBody(run)).toBe(`Reporter said: ${forgeries("UPSTREAM_KEY")}`);
    expect(await seen(value)).toBe(1);
  });

  it("an agent's answer", async () => {
    const value = await newSecret("AGENT_KEY");
    const model = modelName("answer-injection");
    await script(fixture, model, [
      { content: forgeries("AGENT_KEY"), usage: { prompt: 10, completion: 10 } },
    ]);
    const wf = await createWorkflow({
      name: "agent answer injection",
      nodes: [
        { id: "start", type: "start" },
        // A prompt never resolves a secret: the model gets a note, not the value.
        {
          id: "agent",
          type: "agent",
          config: { model, prompt: "Summarise with {{ secrets.AGENT_KEY }}", tools: [] },
        },
        probe("agent-probe", "{{ nodes.agent.output }}"),
        control("AGENT_KEY"),
      ],
      edges: [
        { from: "start", to: "agent" },
        { from: "agent", to: "probe" },
        { from: "start", to: "control" },
      ],
    });
    const run = await waitUntil(await startRun(wf), isOver);
    expect(run.status).toBe("completed");
    expect(probeBody(run)).toBe(`Reporter said: ${forgeries("AGENT_KEY")}`);
    expect(await seen(value)).toBe(1);
  });

  it("an agent's patch that builds the marker in a template", async () => {
    const value = await newSecret("PATCH_KEY");
    const model = modelName("patch-injection");
    const built =
      "{{ $decodeUrlComponent('%E2%9F%A6') & 'secret:PATCH_KEY' & $decodeUrlComponent('%E2%9F%A7') }}";
    await script(fixture, model, [
      {
        toolCalls: [
          {
            name: "patch_workflow",
            arguments: {
              ops: [
                { op: "add_node", node: probe("patch-probe", built) },
                { op: "add_edge", edge: { from: "agent", to: "probe" } },
              ],
            },
          },
        ],
        usage: { prompt: 10, completion: 10 },
      },
      { content: "done", usage: { prompt: 10, completion: 10 } },
    ]);
    const wf = await createWorkflow({
      name: "agent patch injection",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "agent",
          type: "agent",
          config: { model, prompt: "Improve the workflow", tools: ["patch_workflow"] },
        },
        control("PATCH_KEY"),
      ],
      edges: [
        { from: "start", to: "agent" },
        { from: "start", to: "control" },
      ],
    });
    const run = await waitUntil(await startRun(wf), isOver);
    expect(run.status).toBe("completed");
    expect(probeBody(run)).toBe("Reporter said: \u27e6secret:PATCH_KEY\u27e7");
    expect(await seen(value)).toBe(1);
  });
});

/** The run's nonce, read from its object as only the platform can. */
function nonceOf(runId: string): Promise<string> {
  return runInDurableObject(stubOf(runId), (_obj, state) => {
    const row = state.storage.sql
      .exec<{ v: string }>("SELECT v FROM meta WHERE k = 'secretNonce'")
      .one();
    return JSON.parse(row.v) as string;
  });
}
