import { randomBytes } from "node:crypto";
import { ensureBuilt } from "../support/built";
import { DevServer } from "../support/dev-server";
import { startLlmStub } from "../support/llm-server";

/** Model names the agent specs use, priced so that runs show a cost (USD per million tokens). */
const E2E_PRICES = {
  "e2e-agent": { input: 1, cachedInput: 0.5, output: 2 },
  "e2e-dashboard": { input: 1, cachedInput: 0.5, output: 2 },
};

/**
 * Starts one `wrangler dev` for the whole suite, migrated and seeded with its own API key, its
 * agent nodes talking to the scripted chat-completions stub, and hands the addresses and key to
 * the tests through the environment. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  ensureBuilt();
  const llm = await startLlmStub();
  const dev = new DevServer({
    OPENAI_BASE_URL: `${llm.url}/v1`,
    OPENAI_API_KEY: "sk-test",
    AOB_HTTP_ALLOWLIST: llm.host,
    AOB_MODEL_PRICES: JSON.stringify(E2E_PRICES),
    // Seals webhook signing secrets (and tenant secrets).
    AOB_SECRETS_KEY: randomBytes(32).toString("base64"),
  });
  dev.prepare();
  try {
    await dev.start();
  } catch (err) {
    await llm.close();
    throw err;
  }
  process.env.AOB_E2E_URL = dev.url;
  process.env.AOB_E2E_KEY = dev.key;
  process.env.AOB_E2E_LLM = llm.url;
  return async () => {
    await dev.stop();
    await llm.close();
  };
}
