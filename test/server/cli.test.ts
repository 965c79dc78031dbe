import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { aob, BIN, cliEnv, jsonLines, ROOT } from "../support/cli";
import { poll } from "../support/poll";

/** A workflow that stops at an approval; each decision ends at its own `end` node. */
const gate = {
  name: "cli-gate",
  nodes: [
    { id: "start", type: "start" },
    { id: "ask", type: "approval", config: { message: "Go?" } },
    { id: "yes", type: "end", config: { output: { decision: "approved" } } },
    { id: "no", type: "end", config: { output: { decision: "rejected" } } },
  ],
  edges: [
    { from: "start", to: "ask" },
    { from: "ask", to: "yes", on: "approved" },
    { from: "ask", to: "no", on: "rejected" },
  ],
};

const broken = {
  name: "cli-broken",
  nodes: [
    { id: "start", type: "start" },
    { id: "call", type: "http", config: { url: 42 } },
  ],
  edges: [{ from: "start", to: "call" }],
};

/** Long enough to cut the connection while the run waits on its alarm. */
const pause = {
  name: "cli-watch-pause",
  nodes: [
    { id: "start", type: "start" },
    { id: "pause", type: "delay", config: { seconds: 2 } },
    { id: "done", type: "end", config: { output: { slept: true } } },
  ],
  edges: [
    { from: "start", to: "pause" },
    { from: "pause", to: "done" },
  ],
};

/**
 * Polls the screen until `ok`: the outermost end-to-end level, a bounded `poll` with room for
 * a CLI process talking to `wrangler dev` (this test allows itself 40 s).
 */
function until(read: () => string, ok: (screen: string) => boolean, what: string) {
  return poll(what, read, ok, { timeoutMs: 20_000, show: (screen) => `screen:\n${screen}` });
}

/** A TCP proxy in front of wrangler dev that can cut every open connection, like a network drop. */
function dropProxy(port: number) {
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
      s.on("close", () => open.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return {
    server,
    dropAll() {
      for (const s of open) s.destroy();
    },
  };
}

describe("the aob CLI against wrangler dev", () => {
  const dir = mkdtempSync(join(tmpdir(), "aob-cli-"));
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const hello = join(ROOT, "samples", "hello.json");
  let gateId = "";

  const dev = { url: inject("devUrl"), key: inject("devKey") };
  const llmUrl = inject("llmUrl");
  const env = { AOB_URL: dev.url, AOB_API_KEY: dev.key };

  beforeAll(async () => {
    const pushed = await aob(["workflows", "push", file("gate.json", gate), "--json"], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    gateId = (JSON.parse(pushed.stdout) as { id: string }).id;
  }, 30_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("logs in: checks the key, stores URL and key with mode 0600, and later commands use them", async () => {
    const config = join(dir, "login", "config.json");
    const refused = await aob([
      "login",
      "--url",
      dev.url,
      "--key",
      "aob_wrong",
      "--config",
      config,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("invalid or revoked API key");
    expect(() => statSync(config)).toThrow();

    const ok = await aob(["login", "--url", dev.url, "--key", "-", "--config", config, "--json"], {
      stdin: `${dev.key}\n`,
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ url: dev.url, configPath: config, verified: true });
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ url: dev.url, apiKey: dev.key });

    const [kinds, status, elsewhere] = await Promise.all([
      // No environment: the stored config is used.
      aob(["node-types", "--json", "--config", config]),
      aob(["status", "--config", config]),
      // AOB_URL overrides the stored URL.
      aob(["workflows", "list", "--config", config], { env: { AOB_URL: "http://127.0.0.1:9" } }),
    ]);
    expect(kinds.code, kinds.stderr).toBe(0);
    const { nodeTypes } = JSON.parse(kinds.stdout) as { nodeTypes: { type: string }[] };
    expect(nodeTypes.map((k) => k.type)).toContain("approval");
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/durableObject\s+ok/);
    expect(status.stdout).toMatch(/checked \d+ s ago/);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain("cannot reach the API");
  }, 30_000);

  it("pushes, lists, gets and exports a workflow", async () => {
    const original = JSON.parse(readFileSync(hello, "utf8")) as { nodes: { id: string }[] };
    const path = file("cli-hello.json", { ...original, name: "cli-hello" });
    const pushed = await aob(["workflows", "push", path, "--json"], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    const { id, version, created } = JSON.parse(pushed.stdout) as {
      id: string;
      version: number;
      created: boolean;
    };
    expect({ version, created }).toEqual({ version: 1, created: true });

    // Pushing it again finds it by name and adds a version.
    const again = await aob(["workflows", "push", path], { env });
    expect(again.stdout).toContain(`updated ${id}, version 2`);

    const [list, got, exported] = await Promise.all([
      aob(["workflows", "list", "--json"], { env }),
      aob(["workflows", "get", id, "--version", "1", "--json"], { env }),
      aob(["workflows", "export", id], { env }),
    ]);
    const { workflows } = JSON.parse(list.stdout) as { workflows: { id: string; name: string }[] };
    expect(workflows).toContainEqual(expect.objectContaining({ id, name: "cli-hello" }));
    expect(JSON.parse(got.stdout)).toMatchObject({
      id,
      name: "cli-hello",
      version: 1,
      latestVersion: 2,
    });
    const definition = JSON.parse(exported.stdout) as { name: string; nodes: { id: string }[] };
    expect(definition.name).toBe("cli-hello");
    expect(definition.nodes.map((n) => n.id)).toEqual(original.nodes.map((n) => n.id));

    // Deleting it with its runs asks for --yes without a terminal, then names what goes.
    const ran = await aob(["run", "cli-hello", "--input", "{}", "--watch"], { env });
    expect(ran.code, ran.stderr).toBe(0);
    const unconfirmed = await aob(["workflows", "delete", "cli-hello", "--with-runs"], { env });
    expect(unconfirmed.code).toBe(2);
    const deleted = await aob(["workflows", "delete", "cli-hello", "--with-runs", "--yes"], {
      env,
    });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`workflow ${id} deleted; its 1 runs are deleted by the sweep`);
    const gone = await aob(["workflows", "get", id], { env });
    expect(gone.code).toBe(1);
  }, 30_000);

  it("prints validation errors with their JSON path and exits 1", async () => {
    const path = file("broken.json", broken);
    const [checked, asJson, pushed, good, badInput, noInput] = await Promise.all([
      aob(["workflows", "validate", path], { env }),
      aob(["workflows", "validate", path, "--json"], { env }),
      aob(["workflows", "push", path, "--create"], { env }),
      aob(["workflows", "validate", hello], { env }),
      aob(["run", "hello", "--input", '{"name":5}'], { env }),
      aob(["run", "hello"], { env }),
    ]);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/^nodes\[1\]\.config\.url: .+/m);

    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      valid: false,
      errors: [{ at: "nodes[1].config.url" }],
    });

    expect(pushed.code).toBe(1);
    expect(pushed.stderr).toMatch(/^ {2}nodes\[1\]\.config\.url: .+/m);

    expect(good.code).toBe(0);
    expect(good.stdout).toContain("is valid");

    expect(badInput.code).toBe(1);
    expect(badInput.stderr).toMatch(/^ {2}input\.name: .+/m);
    expect(badInput.stderr).not.toContain("no --input was given");

    // hello's inputSchema wants an object: without --input the CLI says what to send.
    expect(noInput.code).toBe(1);
    expect(noInput.stderr).toContain("no --input was given, so the input is null; --input '{}'");
    expect(noInput.stderr).toMatch(/^ {2}input: .+/m);
  }, 30_000);

  it("runs a workflow by name with --watch to completion, with status lines and progress", async () => {
    const watched = await aob(["run", "hello", "--input", '{"name":"Ada Lovelace"}', "--watch"], {
      env,
    });
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/✓ greet\s+succeeded/);
    expect(watched.stdout).toMatch(/- whisper\s+skipped/);
    expect(watched.stdout).toContain("7/7 nodes");
    expect(watched.stdout).toMatch(/run run_\w+ completed/);
    expect(watched.stdout).toContain('"styled": "HELLO, ADA LOVELACE!"');
  }, 30_000);

  it("prints NDJSON with --watch --json, ending with the result", async () => {
    const watched = await aob(["run", "hello", "--input", "-", "--watch", "--json"], {
      env,
      stdin: '{"name":"Bo"}',
    });
    expect(watched.code, watched.stderr).toBe(0);
    const lines = jsonLines(watched.stdout) as { type: string; event?: { seq: number } }[];
    expect(lines[0]).toMatchObject({ type: "started" });
    const seqs = lines.flatMap((l) => (l.event ? [l.event.seq] : []));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(lines.at(-1)).toMatchObject({
      type: "result",
      status: "completed",
      run: { output: { greeting: "Hello, Bo!", styled: "hello, bo!" } },
    });
  }, 30_000);

  it("exits 3 when a watched run waits for an approval and nobody is at a terminal; approve from the CLI", async () => {
    const waiting = await aob(["run", gateId, "--watch"], { env });
    expect(waiting.code, waiting.stderr).toBe(3);
    const runId = /started run (run_\w+)/.exec(waiting.stdout)?.[1] ?? "";
    expect(waiting.stdout).toContain(`run ${runId} is waiting for approval of ask: Go?`);
    expect(waiting.stdout).toContain(`aob approvals approve ${runId} ask`);

    const inbox = await aob(["approvals", "list", "--json"], { env });
    const { approvals } = JSON.parse(inbox.stdout) as { approvals: { runId: string }[] };
    expect(approvals).toContainEqual(
      expect.objectContaining({ runId, nodeId: "ask", message: "Go?", status: "pending" }),
    );

    const approved = await aob(["approvals", "approve", runId, "ask", "--comment", "ship it"], {
      env,
    });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain("the approval is approved");

    const done = await aob(["runs", "show", runId, "--watch"], { env });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('approved by Local admin ("ship it")');
    expect(done.stdout).toContain('"decision": "approved"');

    const twice = await aob(["approvals", "approve", runId, "ask"], { env });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("already decided");
  }, 30_000);

  it("rejects from the CLI, and a JSON watch of a waiting run exits 3 with the approval", async () => {
    const started = await aob(["run", gateId, "--json"], { env });
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    const waiting = await aob(["runs", "show", runId, "--watch", "--json"], { env });
    expect(waiting.code).toBe(3);
    expect(jsonLines(waiting.stdout).at(-1)).toMatchObject({
      type: "waiting_for_approval",
      approvals: [{ nodeId: "ask", message: "Go?" }],
    });

    const rejected = await aob(["approvals", "reject", runId, "ask", "--json"], { env });
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ status: "rejected" });
    const done = await aob(["runs", "show", runId, "--watch", "--json"], { env });
    expect(done.code).toBe(0);
    expect(jsonLines(done.stdout).at(-1)).toMatchObject({
      status: "completed",
      run: { output: { decision: "rejected" } },
    });
  }, 30_000);

  it("shows what a run waits for, sends it the event, and refuses a bad event name with its path", async () => {
    const waits = {
      name: "cli-wait",
      nodes: [
        { id: "start", type: "start" },
        { id: "w", type: "wait", config: { event: "order.paid", match: "{{ input.orderId }}" } },
        { id: "done", type: "end", config: { output: "{{ nodes.w.output }}" } },
      ],
      edges: [
        { from: "start", to: "w" },
        { from: "w", to: "done", on: "received" },
      ],
    };
    expect((await aob(["workflows", "push", file("wait.json", waits)], { env })).code).toBe(0);
    const started = await aob(["run", "cli-wait", "--input", '{"orderId":"A1"}', "--json"], {
      env,
    });
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    const shown = await poll(
      `run ${runId} to wait`,
      () => aob(["runs", "show", runId], { env }),
      (r) => r.stdout.includes("waiting for event"),
    );
    expect(shown.stdout).toContain("waiting for event order.paid with key A1");

    const other = await aob(["events", "send", "order.paid", "--key", "B2"], { env });
    expect(other.stdout).toContain('no run is waiting for "order.paid" with key B2');
    const sent = await aob(
      ["events", "send", "order.paid", "--key", "A1", "--data", '{"paid":true}'],
      { env },
    );
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain(`delivered to run ${runId}, node w`);
    const done = await aob(["runs", "show", runId, "--watch"], { env });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('"paid": true');

    const bad = await aob(["events", "send", "no spaces"], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("name");
    expect((await aob(["events", "send", "x", "--data", "{oops"], { env })).code).toBe(2);
  }, 30_000);

  it("says when a run is queued behind its workflow's concurrency limit, shows where it waits, lists and cancels it", async () => {
    const limited = {
      name: "cli-queue",
      concurrency: { limit: 1, key: "{{ input.who }}" },
      nodes: [
        { id: "start", type: "start" },
        { id: "w", type: "wait", config: { event: "cli.go", match: "{{ input.who }}" } },
        { id: "done", type: "end" },
      ],
      edges: [
        { from: "start", to: "w" },
        { from: "w", to: "done", on: "received" },
      ],
    };
    const pushed = await aob(["workflows", "push", file("queue.json", limited)], { env });
    expect(pushed.code).toBe(0);
    const workflowId = /created (wf_\w+)/.exec(pushed.stdout)![1]!;
    const shownWorkflow = await aob(["workflows", "get", workflowId], { env });
    expect(shownWorkflow.stdout).toContain("admission: none tier (no agent nodes: none tier,");
    expect(shownWorkflow.stdout).toContain(
      "flow control: at most 1 active at once, per key {{ input.who }}",
    );
    const first = await aob(["run", "cli-queue", "--input", '{"who":"ann"}'], { env });
    expect(first.stdout).toContain("started run");
    const second = await aob(["run", "cli-queue", "--input", '{"who":"ann"}'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(
      /queued run (run_\w+) .*concurrency limit is reached; number 1 in the queue of key "ann"/,
    );
    const queuedId = /queued run (run_\w+)/.exec(second.stdout)![1]!;
    const shown = await aob(["runs", "show", queuedId], { env });
    expect(shown.stdout).toContain(`run ${queuedId}: queued`);
    expect(shown.stdout).toContain('number 1 in the queue of key "ann"');
    const listed = await aob(["runs", "list", "--status", "queued", "--json"], { env });
    const { runs } = JSON.parse(listed.stdout) as { runs: { id: string }[] };
    expect(runs.map((r) => r.id)).toContain(queuedId);
    const cancelled = await aob(["runs", "cancel", queuedId], { env });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect((await aob(["runs", "show", queuedId], { env })).stdout).toContain(
      `run ${queuedId}: cancelled`,
    );
    await aob(["events", "send", "cli.go", "--key", "ann"], { env });
  }, 30_000);

  it("lists, shows, reads events of and cancels runs", async () => {
    const started = await aob(["run", gateId, "--json"], { env });
    const { runId } = JSON.parse(started.stdout) as { runId: string };

    const cancelled = await aob(["runs", "cancel", runId], { env });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const again = await aob(["runs", "cancel", runId], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("has already ended (cancelled)");

    const [shown, human, events, watched, list] = await Promise.all([
      aob(["runs", "show", runId, "--json"], { env }),
      aob(["runs", "show", runId], { env }),
      aob(["runs", "events", runId, "--json"], { env }),
      aob(["runs", "show", runId, "--watch"], { env }),
      aob(["runs", "list", "--workflow", gateId, "--json"], { env }),
    ]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: runId, status: "cancelled" });
    expect(human.stdout).toMatch(/ask\s+approval\s+cancelled/);

    const types = (JSON.parse(events.stdout) as { events: { type: string }[] }).events.map(
      (e) => e.type,
    );
    expect(types[0]).toBe("run_started");
    expect(types.at(-1)).toBe("run_cancelled");

    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain(`run ${runId} cancelled`);

    const { runs } = JSON.parse(list.stdout) as { runs: { id: string }[] };
    expect(runs.map((r) => r.id)).toContain(runId);

    const held = await aob(["runs", "hold", runId], { env });
    expect(held.stdout).toContain(`run ${runId} is held`);
    // Deleting asks first; without a terminal only --yes confirms.
    const unconfirmed = await aob(["runs", "delete", runId], { env });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("confirm with --yes");
    const deleted = await aob(["runs", "delete", runId, "--yes"], { env });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(new RegExp(`run ${runId} deleted: \\d+ rows`));
    const gone = await aob(["runs", "show", runId], { env });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("not found");
  }, 30_000);

  it("sets, shows and resets retention, refusing a bad value with its option", async () => {
    const bad = await aob(["retention", "set", "--days", "0"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--days");
    const set = await aob(["retention", "set", "--days", "14", "--failed-days", "90"], { env });
    expect(set.stdout).toContain("finished runs kept 14 days, failed runs 90 days (tenant)");
    const own = await aob(["retention", "set", "--workflow", "cli-gate", "--keep-last", "5"], {
      env,
    });
    expect(own.stdout).toContain("the newest 5 per workflow (workflow)");
    const shown = await aob(["retention", "show", "--json"], { env });
    expect(JSON.parse(shown.stdout)).toMatchObject({ policy: { days: 14, source: "tenant" } });
    const reset = await aob(["retention", "reset", "--workflow", "cli-gate"], { env });
    expect(reset.code, reset.stderr).toBe(0);
    const back = await aob(["retention", "show", "--workflow", gateId], { env });
    expect(back.stdout).toContain("(tenant)");
    const usage = await aob(["retention", "usage"], { env });
    expect(usage.stdout).toMatch(/^runs: \d+ \(.*\), \d+ held$/m);
    expect(usage.stdout).toMatch(/^blobs: \d+ \(/m);
  }, 30_000);

  it("follows an agent that patches the graph: patch lines, tokens and cost, then `patches list`", async () => {
    const model = "gpt-4o-mini"; // priced by the built-in table
    await fetch(`${llmUrl}/llm/script/${model}`, {
      method: "POST",
      body: JSON.stringify({
        steps: [
          {
            toolCalls: [
              {
                name: "patch_workflow",
                arguments: {
                  reason: "add a greeting",
                  ops: [
                    {
                      op: "add_node",
                      node: { id: "greet", type: "transform", config: { expression: "'hi'" } },
                    },
                    { op: "add_edge", edge: { from: "think", to: "greet" } },
                  ],
                },
              },
            ],
            usage: { prompt: 1000, completion: 100, cached: 500 },
          },
          { content: "thought", usage: { prompt: 1200, completion: 20, cached: 1000 } },
        ],
      }),
    });
    const agentFlow = {
      name: "cli-agent",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "think",
          type: "agent",
          config: { model, prompt: "think", tools: ["patch_workflow"] },
        },
      ],
      edges: [{ from: "start", to: "think" }],
    };
    const pushed = await aob(["workflows", "push", file("agent.json", agentFlow), "--json"], {
      env,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const watched = await aob(["run", "cli-agent", "--watch"], { env });
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/patch 1 from think applied: added greet/);
    expect(watched.stdout).toMatch(/greet\s+succeeded/);
    // (500 × 0.15 + 500 × 0.075 + 100 × 0.6 + 200 × 0.15 + 1000 × 0.075 + 20 × 0.6) / 1e6
    expect(watched.stdout).toContain("2,320 tokens (1,500 cached) · $0.0003");
    const runId = /run (run_\w+) completed/.exec(watched.stdout)![1]!;

    const listed = await aob(["patches", "list", runId, "--json"], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      patches: [
        {
          id: 1,
          status: "applied",
          source: { kind: "agent", nodeId: "think", attempt: 1 },
          reason: "add a greeting",
        },
      ],
    });
    const table = await aob(["patches", "list", runId], { env });
    expect(table.stdout).toMatch(/1\s+applied\s+agent think \(attempt 1\)/);
    expect(table.stdout).toContain("+greet (transform), +think→greet");
  }, 60_000);

  it("replays a finished run from a node", async () => {
    const first = await aob(["run", "hello", "--input", "{}", "--watch", "--json"], { env });
    const runId = (jsonLines(first.stdout)[0] as { runId: string }).runId;
    const replayed = await aob(["runs", "replay", runId, "--from", "greet", "--watch"], { env });
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toContain(`a replay of ${runId} from node greet`);
    expect(replayed.stdout).toMatch(/run run_\w+ completed/);
  }, 30_000);

  it("compares a run with its replay node by node, marking the first divergence", async () => {
    const first = await aob(["run", "hello", "--input", '{"name":"Ada"}', "--watch", "--json"], {
      env,
    });
    const a = (jsonLines(first.stdout)[0] as { runId: string }).runId;
    // A longer name from `greet` on: the greeting changes, and the condition takes `true`.
    const replayed = await aob(
      [
        "runs",
        "replay",
        a,
        "--from",
        "greet",
        "--input",
        '{"name":"Ada of London"}',
        "--watch",
        "--json",
      ],
      { env },
    );
    expect(replayed.code, replayed.stderr).toBe(0);
    const b = (jsonLines(replayed.stdout)[0] as { runId: string }).runId;
    const [table, different] = await Promise.all([
      aob(["runs", "diff", a, b], { env }),
      aob(["runs", "diff", a, b, "--only-different", "--json"], { env }),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(`a replay of ${a} from node greet`);
    expect(table.stdout).toContain("7 nodes: 1 the same, 6 differ");
    expect(table.stdout).toContain("▶ first divergence: node greet (output)");
    // In the graph's order: start reused (the same), greet ran again and differs first.
    expect(table.stdout).toMatch(/^\s+start\s+start\s+succeeded\s+succeeded\s+same\s/m);
    expect(table.stdout).toMatch(/^▶\s+greet\s+transform\s+succeeded\s+succeeded\s+differs\s/m);
    expect(table.stdout).toMatch(/^≠\s+shout\s+transform\s+skipped\s+succeeded\s/m);
    const json = JSON.parse(different.stdout) as {
      firstDivergence: { nodeId: string };
      nodes: { id: string }[];
    };
    expect(json).toMatchObject({ firstDivergence: { nodeId: "greet", differences: ["output"] } });
    // Only the nodes that differ; shout and whisper (one ran in each run) in the order they ran.
    expect(json.nodes.map((n) => n.id).sort()).toEqual([
      "done",
      "greet",
      "is_long",
      "merge",
      "shout",
      "whisper",
    ]);
    expect(json.nodes.map((n) => n.id).slice(0, 2)).toEqual(["greet", "is_long"]);
  }, 60_000);
  it("sets where traces go, writes a run's trace as OTLP JSON and sends it again", async () => {
    const [first, set] = await Promise.all([
      aob(["run", "hello", "--input", "{}", "--watch", "--json"], { env }),
      aob(["telemetry", "set", `${llmUrl}/otlp/v1/traces`, "-H", "x-api-key=k-123"], { env }),
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("traces go to 127.0.0.1");
    const shown = await aob(["telemetry", "get", "--json"], { env });
    expect(JSON.parse(shown.stdout)).toMatchObject({ headerNames: ["x-api-key"], enabled: true });
    expect(shown.stdout).not.toContain("k-123");

    const runId = (jsonLines(first.stdout)[0] as { runId: string }).runId;
    const out = join(dir, "trace.json");
    const written = await aob(["runs", "trace", runId, "-o", out], { env });
    expect(written.code, written.stderr).toBe(0);
    const trace = JSON.parse(readFileSync(out, "utf8")) as {
      resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
    };
    const names = trace.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name);
    expect(names).toContain("greet");
    expect(written.stdout).toContain(`(${names.length} spans)`);
    const again = await aob(["runs", "trace", runId, "--export"], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("on its way to 127.0.0.1");
    expect((await aob(["telemetry", "delete"], { env })).code).toBe(0);
    const none = await aob(["runs", "trace", runId, "--export"], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no OTLP endpoint is set");
  }, 30_000);

  it("exports a run and a filter to archives, imports them as archived runs, and refuses a cut one", async () => {
    const first = await aob(["run", "hello", "--input", '{"name":"Grace"}', "--watch", "--json"], {
      env,
    });
    const runId = (jsonLines(first.stdout)[0] as { runId: string }).runId;
    const archive = join(dir, "run.aob.ndjson");
    const exported = await aob(["runs", "export", runId, "-o", archive], { env });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain(`exported 1 run to ${archive}`);
    const lines = readFileSync(archive, "utf8").trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: "run", run: { id: runId } });

    const imported = await aob(["runs", "import", archive], { env });
    expect(imported.code, imported.stderr).toBe(0);
    const copy = /-> (run_\w+) \(archived\)/.exec(imported.stdout)?.[1];
    expect(copy).toBeDefined();
    const shown = await aob(["runs", "show", copy!], { env });
    expect(shown.stdout).toContain(`archived: imported`);
    expect(shown.stdout).toContain(`from run ${runId} of hello; read-only`);
    const listed = await aob(["runs", "list", "--limit", "500"], { env });
    expect(listed.stdout).toContain(`archived from ${runId}`);

    // A filter's ended runs, every part, into one archive with one summary line.
    const bulk = join(dir, "hello.aob.ndjson");
    const all = await aob(
      ["runs", "export", "--workflow", "hello", "--limit", "1", "--all", "-o", bulk],
      { env },
    );
    expect(all.code, all.stderr).toBe(0);
    const bulkLines = readFileSync(bulk, "utf8").trim().split("\n");
    const summaries = bulkLines.filter((l) => l.startsWith('{"type":"summary"'));
    expect(summaries).toHaveLength(1);
    const summary = JSON.parse(summaries[0]!) as { runs: number; nextCursor: null };
    expect(summary.nextCursor).toBeNull();
    expect(bulkLines.filter((l) => l.startsWith('{"type":"run"'))).toHaveLength(summary.runs);
    expect(summary.runs).toBeGreaterThan(1);
    expect((await aob(["runs", "import", bulk, "--json"], { env })).code).toBe(0);

    // Cut short: refused, naming the line, and nothing is imported.
    const cut = join(dir, "cut.aob.ndjson");
    writeFileSync(cut, `${lines.slice(0, -1).join("\n")}\n`);
    const refused = await aob(["runs", "import", cut], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`line ${lines.length}`);
    expect(refused.stderr).toContain("no end line");
    const usage = await aob(["runs", "export", runId, "--status", "failed"], { env });
    expect(usage.code).toBe(2);
  }, 60_000);

  it("writes a node's output and a blob to stdout or a file; a blob marker stands for its bytes", async () => {
    const first = await aob(["run", "hello", "--input", '{"name":"Ada"}', "--watch", "--json"], {
      env,
    });
    const runId = (jsonLines(first.stdout)[0] as { runId: string }).runId;
    const saved = join(dir, "done.json");
    const [greet, done] = await Promise.all([
      aob(["output", runId, "greet"], { env }),
      aob(["output", runId, "done", "-o", saved], { env }),
    ]);
    expect(greet.code, greet.stderr).toBe(0);
    expect(JSON.parse(greet.stdout)).toBe("Hello, Ada!");
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^wrote \d+ bytes \(application\/json\) to /);
    expect(JSON.parse(readFileSync(saved, "utf8"))).toEqual({
      greeting: "Hello, Ada!",
      styled: "hello, ada!",
    });

    // The same output by its hash, once the ended run's history is written (in the background).
    const hash = (jsonLines(first.stdout).at(-1) as { run: { outputHash: string } }).run.outputHash;
    const blobFile = join(dir, "done.blob");
    await poll(
      `blob ${hash} served`,
      async () => {
        const res = await fetch(`${dev.url}/api/blobs/${hash}`, {
          headers: { authorization: `Bearer ${dev.key}` },
        });
        await res.body?.cancel();
        return res.status;
      },
      (status) => status === 200,
      { timeoutMs: 20_000 },
    );
    const fetched = await aob(["blob", hash, "-o", blobFile, "--json"], { env });
    expect(fetched.code, fetched.stderr).toBe(0);
    const stored = readFileSync(blobFile, "utf8");
    expect(JSON.parse(fetched.stdout)).toMatchObject({
      file: blobFile,
      bytes: Buffer.byteLength(stored),
      contentType: "application/json",
    });
    expect(JSON.parse(stored)).toEqual({ greeting: "Hello, Ada!", styled: "hello, ada!" });

    // An output that is a blob marker is written as the blob's bytes; --blob takes one inside.
    const marker = {
      $blob: hash,
      bytes: Buffer.byteLength(stored),
      contentType: "application/json",
    };
    const refs = {
      name: "cli-blob-refs",
      nodes: [
        { id: "start", type: "start" },
        { id: "ref", type: "transform", config: { expression: "input.ref" } },
        {
          id: "wrap",
          type: "transform",
          config: { expression: '{ "status": 200, "body": input.ref }' },
        },
      ],
      edges: [
        { from: "start", to: "ref" },
        { from: "start", to: "wrap" },
      ],
    };
    // Arranged through the API: the commands under test are the reads below.
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${dev.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${dev.key}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true);
      return (await res.json()) as T;
    };
    const { id: refsId } = await call<{ id: string }>("POST", "/api/workflows", refs);
    const { runId: refRun } = await call<{ runId: string }>(
      "POST",
      `/api/workflows/${refsId}/runs`,
      { input: { ref: marker } },
    );
    await poll(
      `run ${refRun} to complete`,
      async () => (await call<{ status: string }>("GET", `/api/runs/${refRun}`)).status,
      (status) => status === "completed",
      { timeoutMs: 20_000 },
    );
    const [auto, inner, plain] = await Promise.all([
      aob(["output", refRun, "ref"], { env }),
      aob(["output", refRun, "wrap", "--blob"], { env }),
      aob(["output", refRun, "wrap"], { env }),
    ]);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stdout).toBe(stored);
    expect(inner.code, inner.stderr).toBe(0);
    expect(inner.stdout).toBe(stored);
    expect(JSON.parse(plain.stdout)).toEqual({ status: 200, body: marker });

    const [missing, noBlob, noNode, notHex] = await Promise.all([
      aob(["blob", "0".repeat(64)], { env }),
      aob(["output", runId, "greet", "--blob"], { env }),
      aob(["output", runId, "nope"], { env }),
      aob(["blob", "nothex"], { env }),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no such blob for this tenant: ${"0".repeat(64)}`);
    expect(noBlob.code).toBe(1);
    expect(noBlob.stderr).toContain("the output of node greet holds no blob");
    expect(noNode.code).toBe(1);
    expect(noNode.stderr).toContain(`run ${runId} has no node nope`);
    expect(notHex.code).toBe(2);
  }, 60_000);

  it("sets secrets with their hosts, lists the binding, rebinds, unbinds and deletes", async () => {
    const [set, legacy] = await Promise.all([
      aob(
        [
          "secrets",
          "set",
          "CLI_STRIPE",
          "--value",
          "-",
          "--allowed-hosts",
          "API.stripe.com, *.stripe.com",
          "--json",
        ],
        { env, stdin: "sk_cli_value\n" },
      ),
      aob(["secrets", "set", "CLI_LEGACY", "--value", "plain"], { env }),
    ]);
    expect(set.code, set.stdout).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      name: "CLI_STRIPE",
      allowedHosts: ["api.stripe.com", "*.stripe.com"],
      bound: true,
    });
    expect(legacy.stdout).toContain("unbound: it may be sent to any host");

    const [listed, bad] = await Promise.all([
      aob(["secrets", "list"], { env }),
      aob(["secrets", "hosts", "CLI_LEGACY", "hooks.example.com", "https://x.example"], { env }),
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/CLI_LEGACY\s+unbound \(any host\)/);
    expect(listed.stdout).toMatch(/CLI_STRIPE\s+api\.stripe\.com, \*\.stripe\.com/);
    expect(listed.stdout).not.toContain("sk_cli_value");
    // A bad entry is refused with its index.
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/allowedHosts\[1\]: .*is a URL/);

    const [bound, unbound, usage] = await Promise.all([
      aob(["secrets", "hosts", "CLI_LEGACY", "hooks.example.com,*.hooks.example.com"], { env }),
      aob(["secrets", "hosts", "CLI_STRIPE", "--unbind", "--json"], { env }),
      aob(["secrets", "hosts", "CLI_STRIPE"], { env }),
    ]);
    expect(bound.stdout).toContain("it may be sent only to hooks.example.com, *.hooks.example.com");
    expect(JSON.parse(unbound.stdout)).toMatchObject({ allowedHosts: null, bound: false });
    expect(usage.code).toBe(2);

    const removed = await aob(["secrets", "delete", "CLI_STRIPE"], { env });
    expect(removed.code, removed.stderr).toBe(0);
    const after = JSON.parse((await aob(["secrets", "list", "--json"], { env })).stdout) as {
      secrets: { name: string; allowedHosts: string[] | null }[];
    };
    expect(after.secrets.filter((s) => s.name.startsWith("CLI_"))).toEqual([
      expect.objectContaining({
        name: "CLI_LEGACY",
        allowedHosts: ["hooks.example.com", "*.hooks.example.com"],
      }),
    ]);
  }, 60_000);

  it("sets a webhook with signing; a delivery signed with the printed secret (openssl) starts a run, an unsigned one is refused", async () => {
    const hook = { name: "cli-hook", nodes: [{ id: "start", type: "start" }], edges: [] };
    const pushed = await aob(["workflows", "push", file("hook.json", hook), "--json"], { env });
    const hookId = (JSON.parse(pushed.stdout) as { id: string }).id;
    const set = await aob(["triggers", "set", "cli-hook", "--webhook", "--signature"], { env });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("webhook:   on, signed deliveries only");
    const url = /webhook URL \(shown once, keep it secret\): (\S+)/.exec(set.stdout)?.[1];
    const secret = /signing secret \(shown once\): (whsec_\S+)/.exec(set.stdout)?.[1];
    expect(url && secret).toBeTruthy();
    // The docs' recipe: HMAC-SHA256 over "<timestamp>.<raw body>" with openssl.
    const body = '{"from":"cli"}';
    const ts = String(Math.floor(Date.now() / 1000));
    const mac = execFileSync("openssl", ["dgst", "-sha256", "-hmac", secret!, "-hex"], {
      input: `${ts}.${body}`,
    })
      .toString()
      .trim()
      .split(" ")
      .at(-1);
    const signed = await fetch(url!, {
      method: "POST",
      headers: { "x-aob-timestamp": ts, "x-aob-signature": `sha256=${mac}` },
      body,
    });
    expect(signed.status).toBe(202);
    const unsigned = await fetch(url!, { method: "POST", body });
    expect(unsigned.status).toBe(401);
    const got = await aob(["triggers", "get", hookId, "--json"], { env });
    expect(JSON.parse(got.stdout)).toEqual({
      workflowId: hookId,
      webhook: true,
      cron: null,
      signature: true,
    });
    const off = await aob(["triggers", "set", hookId, "--no-webhook"], { env });
    expect(off.stdout).toContain("webhook:   off");
    const none = await aob(["triggers", "set", hookId], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("nothing to change");
  }, 30_000);

  it("manages users and their keys; a user's key decides as them and the audit log says so", async () => {
    const me = await aob(["whoami", "--json"], { env });
    expect(me.code, me.stderr).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({
      user: { name: "Local admin", roles: ["admin"] },
    });

    const added = await aob(
      ["users", "add", "Ann", "--email", "ann@example.com", "--roles", "approver", "--json"],
      { env },
    );
    expect(added.code, added.stderr).toBe(0);
    const ann = (JSON.parse(added.stdout) as { id: string }).id;
    const minted = await aob(
      ["users", "key", ann, "laptop", "--scopes", "read,approve", "--json"],
      {
        env,
      },
    );
    expect(minted.code, minted.stderr).toBe(0);
    const annEnv = { ...env, AOB_API_KEY: (JSON.parse(minted.stdout) as { key: string }).key };
    const [wide, badRole] = await Promise.all([
      aob(["users", "key", ann, "wide", "--scopes", "run"], { env }),
      aob(["users", "add", "Wiz", "--roles", "wizard"], { env }),
    ]);
    expect(wide.code).toBe(1);
    expect(wide.stderr).toContain("scopes[0]");
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('unknown role "wizard"');

    const started = await aob(["run", gateId, "--json"], { env });
    const runId = (JSON.parse(started.stdout) as { runId: string }).runId;
    const mine = await poll(
      "the approval in Ann's inbox",
      async () => (await aob(["approvals", "list", "--mine"], { env: annEnv })).stdout,
      (out) => out.includes(runId),
      { timeoutMs: 20_000 },
    );
    expect(mine).toContain("0/1");
    const decided = await aob(["approvals", "approve", runId, "ask"], { env: annEnv });
    expect(decided.code, decided.stderr).toBe(0);

    const audit = await aob(["audit", "--action", "approval.decide", "--json"], { env });
    const { entries } = JSON.parse(audit.stdout) as {
      entries: { actor: { name: string }; target: { id: string } }[];
    };
    expect(entries[0]).toMatchObject({ actor: { name: "Ann" }, target: { id: runId } });

    const channel = await aob(["channels", "set", "ops", `${llmUrl}/hook`, "--type", "slack"], {
      env,
    });
    expect(channel.code, channel.stderr).toBe(0);
    expect(channel.stdout).toContain("channel ops: slack to 127.0.0.1");
    const [channels, refused] = await Promise.all([
      aob(["channels", "list", "--json"], { env }),
      aob(["channels", "set", "meta", "http://169.254.169.254/"], { env }),
    ]);
    expect(JSON.parse(channels.stdout)).toMatchObject({
      channels: [{ name: "ops", type: "slack" }],
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("url");
    expect((await aob(["channels", "delete", "ops"], { env })).code).toBe(0);

    const removed = await aob(["users", "delete", ann], { env });
    expect(removed.code, removed.stderr).toBe(0);
    const gone = await aob(["whoami"], { env: annEnv });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("revoked");
  }, 30_000);

  it("registers MCP servers with secret headers, lists them, refuses a plain credential with its path, and deletes", async () => {
    const secret = await aob(["secrets", "set", "CLI_MCP", "--value", "mcp-cli-value"], { env });
    expect(secret.code, secret.stderr).toBe(0);
    const header = "authorization: Bearer {{ secrets.CLI_MCP }}";
    const set = await aob(
      [
        "mcp-servers",
        "set",
        "tracker",
        `${llmUrl}/mcp`,
        "--header",
        header,
        "--tools",
        "search,create",
        "--effects",
        "create",
      ],
      { env },
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("MCP server tracker at 127.0.0.1");
    expect(set.stdout).toContain("sends secrets CLI_MCP");
    const [listed, plain, usage] = await Promise.all([
      aob(["mcp-servers", "list", "--json"], { env }),
      aob(["mcp-servers", "set", "leaky", `${llmUrl}/mcp`, "--header", "authorization: Bearer x"], {
        env,
      }),
      aob(["mcp-servers", "set", "bad", `${llmUrl}/mcp`, "--header", "no-colon"], { env }),
    ]);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      servers: [
        {
          name: "tracker",
          headers: { authorization: "Bearer {{ secrets.CLI_MCP }}" },
          allowedTools: ["search", "create"],
          effects: ["create"],
        },
      ],
    });
    expect(listed.stdout).not.toContain("mcp-cli-value");
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("headers.authorization");
    expect(usage.code).toBe(2);
    expect((await aob(["mcp-servers", "delete", "tracker"], { env })).code).toBe(0);
  }, 30_000);

  it("says clearly what is missing, and exits 2 on usage errors", async () => {
    const [patches, unknown, badInput, notLoggedIn, tenant, wrongTenant] = await Promise.all([
      aob(["patches", "list", "run_x"], { env }),
      aob(["runs", "list", "--bogus", "--json"], { env }),
      aob(["run", "hello", "--input", "{nope"], { env }),
      aob(["workflows", "list"]),
      aob(["tenant", "delete"], { env }),
      aob(["tenant", "delete", "--confirm", "not_this_tenant"], { env }),
    ]);
    // Deleting a tenant's data needs its id typed, and a wrong one changes nothing.
    expect(tenant.code).toBe(2);
    expect(tenant.stderr).toContain("--confirm <tenant-id>");
    expect(wrongTenant.code).toBe(1);
    expect(wrongTenant.stderr).toContain("confirm: type the tenant's id");
    expect(patches.code).toBe(1);
    expect(patches.stderr).toContain("run run_x not found");

    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toEqual({
      error: { code: "usage", message: "unknown option '--bogus'" },
    });
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toContain("--input is not valid JSON");
    expect(notLoggedIn.code).toBe(1);
    expect(notLoggedIn.stderr).toContain("not logged in");
  }, 30_000);

  it("prompts at a terminal when the run reaches an approval, and the answer decides it", async () => {
    // A real pseudo-terminal: tmux (it must be installed) on its own socket, keeping the pane
    // after the CLI exits so its screen can be read.
    try {
      execFileSync("tmux", ["-V"]);
    } catch {
      throw new Error("this test needs tmux for a pseudo-terminal: apt-get install -y tmux");
    }
    const socket = join(dir, "tmux.sock");
    const conf = join(dir, "tmux.conf");
    writeFileSync(conf, "set -g remain-on-exit on\n");
    const tmux = (...args: string[]) =>
      execFileSync("tmux", ["-S", socket, "-f", conf, ...args], {
        env: cliEnv(env),
        encoding: "utf8",
      });
    // `-S -` includes the scrollback: tmux scrolls a line away when it marks the pane dead.
    const screen = () => tmux("capture-pane", "-p", "-S", "-", "-t", "cli");
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run cli-gate --watch; echo "[aob exited $?]"`;
    tmux("new-session", "-d", "-s", "cli", "-x", "200", "-y", "50", "-c", ROOT, command);
    try {
      await until(screen, (s) => s.includes("approve, reject or skip? [a/r/s]"), "the prompt");
      expect(screen()).toContain("approval needed at node ask: Go?");
      tmux("send-keys", "-t", "cli", "a", "Enter");
      await until(screen, (s) => s.includes("comment (optional):"), "the comment prompt");
      tmux("send-keys", "-t", "cli", "from the terminal", "Enter");
      // The shell reports the exit status itself: it waits for the CLI with waitpid, whereas
      // tmux's own pane_dead_status was seen to miss the child's exit on a loaded machine.
      const final = await until(screen, (s) => /\[aob exited \d+\]/.test(s), "the CLI to exit");
      expect(/\[aob exited (\d+)\]/.exec(final)?.[1], final).toBe("0");
      expect(final).toContain('ask    approved by Local admin ("from the terminal")');
      expect(final).toContain("4/4 nodes");
      expect(final).toMatch(/run run_\w+ completed/);
      const runId = /started run (run_\w+)/.exec(final)?.[1] ?? "";
      const shown = await aob(["runs", "show", runId, "--json"], { env });
      expect(JSON.parse(shown.stdout)).toMatchObject({
        status: "completed",
        output: { decision: "approved" },
        approvals: [
          { nodeId: "ask", status: "approved", votes: [{ comment: "from the terminal" }] },
        ],
      });
    } finally {
      tmux("kill-server");
    }
  }, 40_000);

  it("reconnects after the connection drops and resumes after the last event, without repeats", async () => {
    const proxy = dropProxy(Number(new URL(dev.url).port));
    await new Promise<void>((r) => proxy.server.listen(0, "127.0.0.1", r));
    const address = proxy.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    let dropped = false;
    try {
      const pushed = await aob(["workflows", "push", file("pause.json", pause), "--json"], { env });
      const pauseId = (JSON.parse(pushed.stdout) as { id: string }).id;
      const watched = await aob(["run", pauseId, "--watch"], {
        env: { ...env, AOB_URL: url },
        onStdout: (out) => {
          if (!dropped && /pause\s+waiting/.test(out)) {
            dropped = true;
            proxy.dropAll();
          }
        },
      });
      expect(dropped).toBe(true);
      expect(watched.code, watched.stderr).toBe(0);
      expect(watched.stderr).toMatch(/connection lost .*; reconnecting from event \d+/);
      for (const node of ["start", "pause", "done"]) {
        expect(watched.stdout.match(new RegExp(`✓ ${node}\\s+succeeded`, "g"))).toHaveLength(1);
      }
      expect(watched.stdout).toContain("3/3 nodes");
      expect(watched.stdout).toContain('"slept": true');
    } finally {
      await new Promise<void>((r) => proxy.server.close(() => r()));
    }
  }, 40_000);

  it("stats: a workflow's runs by how they ended, its failing node and durations, as a report and as JSON", async () => {
    const definition = {
      name: `cli-stats-${Date.now()}`,
      nodes: [
        { id: "start", type: "start" },
        {
          id: "work",
          type: "transform",
          config: { expression: 'input.fail ? $error("boom") : "ok"' },
        },
        { id: "done", type: "end", config: { output: "{{ nodes.work.output }}" } },
      ],
      edges: [
        { from: "start", to: "work" },
        { from: "work", to: "done" },
      ],
    };
    const pushed = await aob(["workflows", "push", file("stats.json", definition), "--json"], {
      env,
    });
    const id = (JSON.parse(pushed.stdout) as { id: string }).id;
    const ran = await Promise.all([
      aob(["run", id, "--input", '{"fail":false}', "--watch"], { env }),
      aob(["run", id, "--input", '{"fail":true}', "--watch"], { env }),
    ]);
    expect(ran.map((r) => r.code)).toEqual([0, 1]);
    // Their ends as D1 has them (what the stats read), written just after the run ends.
    await poll(
      "both runs' ends in D1",
      async () => {
        const res = await fetch(`${dev.url}/api/runs?workflowId=${id}`, {
          headers: { authorization: `Bearer ${dev.key}` },
        });
        return ((await res.json()) as { runs: { status: string }[] }).runs.map((r) => r.status);
      },
      (statuses) => statuses.sort().join() === "completed,failed",
    );

    const json = await aob(["stats", "--workflow", definition.name, "--since", "1h", "--json"], {
      env,
    });
    expect(json.code, json.stderr).toBe(0);
    const body = JSON.parse(json.stdout) as {
      workflowId: string;
      bucket: string;
      totals: Record<string, number>;
      durations: { runs: number };
      nodes: { failing: { nodeId: string; failures: number }[] };
    };
    expect(body).toMatchObject({ workflowId: id, bucket: "1m", durations: { runs: 2 } });
    expect(body.totals).toMatchObject({ started: 2, completed: 1, failed: 1, cancelled: 0 });
    expect(body.nodes.failing).toEqual([expect.objectContaining({ nodeId: "work", failures: 1 })]);

    const report = await aob(["stats", "--workflow", id], { env });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain("runs: 2 started; 1 completed, 1 failed, 0 cancelled");
    expect(report.stdout).toMatch(/^duration of 2 ended runs: p50 \d+ ms, p95 \d+ ms/m);
    expect(report.stdout).toMatch(/^node attempts: 5, 0 retried, 1 failed for good$/m);
    expect(report.stdout).toMatch(/^queue: 0 queued now; 0 gated runs began, waited p50 /m);
    // The failing nodes' table: workflow, node, kind, failures, executions, retries.
    expect(report.stdout).toMatch(
      new RegExp(`^${definition.name}\\s+work\\s+transform\\s+1\\s+2\\s+0$`, "m"),
    );

    const [vague, tooLong] = await Promise.all([
      aob(["stats", "--since", "yesterday"], { env }),
      aob(["stats", "--since", "40d"], { env }),
    ]);
    expect(vague.code).toBe(2);
    expect(vague.stderr).toContain("--since takes a duration like 30m, 24h or 7d");
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain("at most 31 days");
  }, 40_000);
});
