import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { DevServer } from "./dev-server";
import { handleLlm } from "./llm-stub";

/**
 * One real `wrangler dev` for the Node end-to-end files of the `dev-server` project
 * (vitest.config.ts: test/node/cli.test.ts, test/node/prometheus.test.ts), started once and
 * shared, with the scripted chat-completions stand-in for agent nodes (llm-stub.ts) beside it.
 * The files run against the same tenant at once: each makes its own workflows and reads only
 * what it made. Provides `devUrl`, `devKey` and `llmUrl` (test/support/provided-context.d.ts).
 */
export default async function setup(project: TestProject) {
  const llm = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const parts = new URL(req.url ?? "/", "http://x").pathname.split("/").filter(Boolean);
    handleLlm(req, res, parts, body);
  });
  await new Promise<void>((resolve) => llm.listen(0, "127.0.0.1", resolve));
  const llmHost = `127.0.0.1:${(llm.address() as AddressInfo).port}`;
  const dev = new DevServer({
    OPENAI_BASE_URL: `http://${llmHost}/v1`,
    OPENAI_API_KEY: "sk-test",
    AOB_HTTP_ALLOWLIST: llmHost,
    // Secrets and webhook signing secrets are sealed with it.
    AOB_SECRETS_KEY: randomBytes(32).toString("base64"),
  });
  dev.prepare();
  await dev.start();
  project.provide("devUrl", dev.url);
  project.provide("devKey", dev.key);
  project.provide("llmUrl", `http://${llmHost}`);
  return async () => {
    await dev.stop();
    await new Promise<void>((resolve) => llm.close(() => resolve()));
  };
}
