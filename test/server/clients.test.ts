/**
 * The API's clients outside this repository, against a real `wrangler dev`: a TypeScript SDK
 * generated from the served `/openapi.json` by a standard generator, and the `aob` CLI packed
 * and installed the way a user installs it (docs/API.md "Generate a client", docs/CLI.md
 * "Install the CLI").
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import { cliEnv, ROOT } from "../support/cli";

const run = promisify(execFile);

/** A workflow that waits at an approval, so its run is still active when it is cancelled. */
const gate = {
  name: "sdk-gate",
  nodes: [
    { id: "start", type: "start" },
    { id: "ask", type: "approval", config: { message: "Ship order {{ input.orderId }}?" } },
    { id: "done", type: "end", config: { output: { shipped: true } } },
  ],
  edges: [
    { from: "start", to: "ask" },
    { from: "ask", to: "done", on: "approved" },
  ],
};

/** What a generated function answers (hey-api's fetch client, `throwOnError` left false). */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}
interface RunBody {
  id: string;
  status: string;
  nodes: { id: string; status: string }[];
}
/**
 * The part of the generated SDK this test calls. The module is generated while the test runs,
 * so the compiler cannot see it; the calls below are checked by the server's answers.
 */
interface Sdk {
  listWorkflows(o: {
    query?: { limit?: number };
  }): Promise<Answer<{ workflows: { id: string }[] }>>;
  createWorkflow(o: { body: unknown }): Promise<Answer<{ id: string; version: number }>>;
  startRun(o: {
    path: { id: string };
    body: { input?: unknown };
  }): Promise<Answer<{ runId: string; status: string }>>;
  getRun(o: { path: { id: string } }): Promise<Answer<RunBody>>;
  cancelRun(o: { path: { id: string } }): Promise<Answer<RunBody>>;
}
interface GeneratedClient {
  client: {
    setConfig(config: {
      baseUrl: string;
      auth: (auth: { scheme?: string }) => string | undefined;
    }): void;
  };
}

describe("clients of the API against wrangler dev", () => {
  // The `server` project's shared wrangler dev (test/support/server-setup.ts).
  const dev = { url: inject("devUrl"), key: inject("devKey") };
  const dir = mkdtempSync(join(tmpdir(), "aob-clients-"));

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("generates a TypeScript SDK from /openapi.json whose operationId-named functions create a workflow, start, read and cancel a run", async () => {
    const out = join(dir, "sdk");
    const generator = join(ROOT, "node_modules", ".bin", "openapi-ts");
    await run(generator, ["-i", `${dev.url}/openapi.json`, "-o", out, "--silent"], { cwd: dir });
    expect(readdirSync(out)).toEqual(expect.arrayContaining(["sdk.gen.ts", "types.gen.ts"]));

    const sdk = (await import(join(out, "sdk.gen.ts"))) as Sdk;
    const { client } = (await import(join(out, "client.gen.ts"))) as GeneratedClient;
    // The bearer scheme of the document: the client sends `Authorization: Bearer <key>`.
    client.setConfig({
      baseUrl: dev.url,
      auth: (auth) => (auth.scheme === "bearer" ? dev.key : undefined),
    });

    const created = await sdk.createWorkflow({ body: gate });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    const workflowId = created.data!.id;
    expect(created.data!.version).toBe(1);

    const listed = await sdk.listWorkflows({ query: { limit: 100 } });
    expect(listed.data!.workflows.map((w) => w.id)).toContain(workflowId);

    const started = await sdk.startRun({
      path: { id: workflowId },
      body: { input: { orderId: "ord_42" } },
    });
    expect(started.response.status, JSON.stringify(started.error)).toBe(202);
    const runId = started.data!.runId;

    const read = await sdk.getRun({ path: { id: runId } });
    expect(read.data!.id).toBe(runId);
    // Started and not ended: at its approval, or on its way there.
    expect(["running", "waiting"]).toContain(read.data!.status);

    const cancelled = await sdk.cancelRun({ path: { id: runId } });
    expect(cancelled.response.status, JSON.stringify(cancelled.error)).toBe(200);
    expect(cancelled.data!.status).toBe("cancelled");

    const after = await sdk.getRun({ path: { id: runId } });
    expect(after.data!.status).toBe("cancelled");
    expect(after.data!.nodes.find((n) => n.id === "done")?.status).toBe("pending");

    // A refusal comes back as the API's error envelope.
    const missing = await sdk.getRun({ path: { id: "run_nope" } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ error: { code: "not_found" } });
  }, 60_000);

  it("packs the CLI into a package that installs without the repository and lists the seeded workflows", async () => {
    const packed = await run("npm", ["pack", "--json", "--pack-destination", dir], {
      cwd: join(ROOT, "cli"),
    });
    const [info] = JSON.parse(packed.stdout) as {
      filename: string;
      files: { path: string }[];
    }[];
    // One bundled module, its bundled packages' licences and the manifest: no TypeScript.
    expect(info!.files.map((f) => f.path).sort()).toEqual([
      "dist/THIRD-PARTY-LICENSES.txt",
      "dist/aob.mjs",
      "package.json",
    ]);

    // An empty folder outside the repository: nothing of it can be resolved from there.
    const app = join(dir, "app");
    mkdirSync(app);
    await run(
      "npm",
      ["install", "--offline", "--no-audit", "--no-fund", join(dir, info!.filename)],
      { cwd: app },
    );
    const manifest = JSON.parse(
      readFileSync(join(app, "node_modules", "@aob", "cli", "package.json"), "utf8"),
    ) as { version: string; dependencies?: object };
    expect(manifest.dependencies).toBeUndefined();
    expect(readdirSync(join(app, "node_modules")).filter((n) => !n.startsWith("."))).toEqual([
      "@aob",
    ]);

    const aob = join(app, "node_modules", ".bin", "aob");
    const env = cliEnv({ AOB_URL: dev.url, AOB_API_KEY: dev.key });
    const version = await run(aob, ["--version"], { cwd: app, env });
    expect(version.stdout.trim()).toBe(manifest.version);
    const list = await run(aob, ["workflows", "list"], { cwd: app, env });
    expect(list.stdout).toContain("wf_sample_hello");
    expect(list.stdout).toMatch(/wf_sample_hello\s+hello\b/);
  }, 60_000);
});
