import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildCli } from "../../scripts/build-cli";
import { ensureBuilt } from "./built";
import { DevServer } from "./dev-server";
import { startLlmStub } from "./llm-server";

/**
 * The vitest `server` project's global setup (test/server/): one real `wrangler dev` for every
 * test file there, migrated and seeded with its own key, its agents talking to the scripted
 * chat-completions stub, which also receives notifications at `/hook/<name>`. Starting wrangler
 * takes 10-20 s on two busy cores, so the files share it; each keeps to its own workflows and
 * names. The `aob` they run is the installable bundle (`cliBin`). Tests that kill their server (test/node/restart.test.ts) start their own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureBuilt();
  // The CLI tests run the bundle users install (docs/CLI.md), built apart from cli/dist, which
  // the packing test rebuilds while they run; it also starts in a fraction of tsx's time.
  project.provide(
    "cliBin",
    await buildCli(join(mkdtempSync(join(tmpdir(), "aob-cli-bin-")), "dist")),
  );
  const llm = await startLlmStub();
  const dev = new DevServer({
    OPENAI_BASE_URL: `${llm.url}/v1`,
    OPENAI_API_KEY: "sk-test",
    AOB_HTTP_ALLOWLIST: llm.host,
    AOB_SECRETS_KEY: randomBytes(32).toString("base64"),
  });
  dev.prepare();
  try {
    await dev.start();
  } catch (err) {
    await llm.close();
    throw err;
  }
  project.provide("devUrl", dev.url);
  project.provide("devKey", dev.key);
  project.provide("llmUrl", llm.url);
  return async () => {
    await dev.stop();
    await llm.close();
  };
}
