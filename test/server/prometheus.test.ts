import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../support/dev-server";
import { poll } from "../support/poll";

/*
 * A real Prometheus (the Debian package; .ci/run installs it) scrapes `GET /api/metrics` of the
 * server project's shared `wrangler dev` (test/support/server-setup.ts) with the tenant's API
 * key as its bearer token, and PromQL over what it stored counts exactly the runs this test made.
 */

const dev = { url: inject("devUrl"), key: inject("devKey") };

/** Waits `input.wait` seconds, then fails when `input.fail`; each run's outcome is the test's. */
const definition = {
  name: `prometheus-${Date.now()}`,
  nodes: [
    { id: "start", type: "start" },
    { id: "pause", type: "delay", config: { seconds: "{{ input.wait }}" } },
    { id: "work", type: "transform", config: { expression: 'input.fail ? $error("boom") : "ok"' } },
    { id: "done", type: "end", config: { output: "{{ nodes.work.output }}" } },
  ],
  edges: [
    { from: "start", to: "pause" },
    { from: "pause", to: "work" },
    { from: "work", to: "done" },
  ],
};

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${dev.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${dev.key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe("Prometheus scraping GET /api/metrics", () => {
  let workflowId = "";
  let prometheus: ChildProcess | undefined;
  let promUrl = "";
  let exited: Promise<void> = Promise.resolve();
  const dir = mkdtempSync(join(tmpdir(), "aob-prometheus-"));

  beforeAll(async () => {
    try {
      execFileSync("prometheus", ["--version"], { stdio: "ignore" });
    } catch (err) {
      throw new Error(
        `this test runs a real Prometheus: apt-get install -y prometheus (.ci/run does) (${String(err)})`,
      );
    }
    workflowId = (await api<{ id: string }>("POST", "/api/workflows", definition)).id;
    // A run's status as D1 lists it, among this workflow's runs (other files share the server).
    const status = async (runId: string) =>
      (
        await api<{ runs: { id: string; status: string }[] }>(
          "GET",
          `/api/runs?workflowId=${workflowId}&limit=50`,
        )
      ).runs.find((r) => r.id === runId)?.status;
    const start = async (input: unknown) =>
      (await api<{ runId: string }>("POST", `/api/workflows/${workflowId}/runs`, { input })).runId;
    const made = {
      completed: [await start({ wait: 0 }), await start({ wait: 0 })],
      failed: [await start({ wait: 0, fail: true })],
      cancelled: [await start({ wait: 600 })],
    };
    await poll(
      `run ${made.cancelled[0]} to wait`,
      () => status(made.cancelled[0]!),
      (s) => s === "waiting",
    );
    await api("POST", `/api/runs/${made.cancelled[0]}/cancel`);
    // Each run's end as D1 has it (the list): what the counters are added from.
    for (const [outcome, ids] of Object.entries(made)) {
      for (const id of ids)
        await poll(
          `run ${id} to be ${outcome} in D1`,
          () => status(id),
          (s) => s === outcome,
        );
    }

    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const config = join(dir, "prometheus.yml");
    const target = new URL(dev.url).host;
    writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "scrape_configs:",
        "  - job_name: aob",
        "    metrics_path: /api/metrics",
        "    authorization:",
        `      credentials: ${dev.key}`,
        "    static_configs:",
        `      - targets: ["${target}"]`,
        "",
      ].join("\n"),
    );
    prometheus = spawn(
      "prometheus",
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: "ignore" },
    );
    const child = prometheus;
    exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }, 30_000);

  afterAll(async () => {
    prometheus?.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes promtool's check of the exposition", async () => {
    const res = await fetch(`${dev.url}/api/metrics`, {
      headers: { authorization: `Bearer ${dev.key}` },
    });
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    // Exit 0 with no output: parsed, and no lint problem (names, units, _total on counters).
    const text = await res.text();
    expect(execFileSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })).toBe(
      "",
    );
  });

  it("answers PromQL with exactly the runs the test made, by status", async () => {
    const get = async <T>(path: string) => {
      try {
        const res = await fetch(`${promUrl}${path}`);
        return res.ok ? ((await res.json()) as T) : undefined;
      } catch {
        return undefined; // not listening yet
      }
    };
    const targets = await poll(
      "Prometheus to scrape /api/metrics",
      () =>
        get<{ data: { activeTargets: { health: string; lastError: string }[] } }>(
          "/api/v1/targets",
        ),
      (t) => t?.data.activeTargets[0]?.health === "up",
    );
    expect(targets?.data.activeTargets[0]?.lastError).toBe("");
    const query = encodeURIComponent(`sum by (status) (aob_runs_total{workflow="${workflowId}"})`);
    const answer = await poll(
      "the scraped counters to be queryable",
      () =>
        get<{ data: { result: { metric: { status: string }; value: [number, string] }[] } }>(
          `/api/v1/query?query=${query}`,
        ),
      (a) => (a?.data.result.length ?? 0) > 0,
    );
    const byStatus = Object.fromEntries(
      answer!.data.result.map((r) => [r.metric.status, Number(r.value[1])]),
    );
    expect(byStatus).toEqual({ completed: 2, failed: 1, cancelled: 1 });
  });
});
