import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { buildWasm, buildWeb, ROOT } from "../../scripts/lib";
import { DevServer } from "../support/dev-server";
import { handleLlm } from "../support/llm-stub";

/** Model names the agent specs use, priced so that runs show a cost (USD per million tokens). */
const E2E_PRICES = { "e2e-agent": { input: 1, cachedInput: 0.5, output: 2 } };

/**
 * The scripted chat-completions stand-in (test/support/llm-stub.ts) on 127.0.0.1: the one
 * stand-in the suite allows, because no model can be reached here; it also receives
 * notifications at `/hook/<name>` (a real HTTP endpoint, as a channel's is), and answers http
 * nodes at `/flaky/<n>/<name>`: 503 to the first n requests of each name, then 200 (as the
 * workerd suite's fixture server does). Returns its address.
 */
async function startLlmStub(): Promise<{ url: string; host: string; close(): Promise<void> }> {
  const hooks = new Map<string, unknown[]>();
  const flaky = new Map<string, number>();
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const parts = new URL(req.url ?? "/", "http://127.0.0.1").pathname.split("/").filter(Boolean);
    // A notification channel's receiver (docs/PEOPLE.md): POST records a body, GET lists them.
    if (parts[0] === "hook") {
      const name = parts[1] ?? "";
      if (req.method === "POST") hooks.set(name, [...(hooks.get(name) ?? []), JSON.parse(body)]);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ bodies: hooks.get(name) ?? [] }));
      return;
    }
    if (parts[0] === "flaky") {
      const name = parts[2] ?? "";
      const n = (flaky.get(name) ?? 0) + 1;
      flaky.set(name, n);
      const ok = n > Number(parts[1]);
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { ok: true, n } : { error: "try again", n }));
      return;
    }
    if (parts[0] !== "v1" && parts[0] !== "llm") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      return;
    }
    handleLlm(req, res, parts, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The newest modification time under a path (files only). */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds web/dist when it is missing or older than what it is built from (`npm test` built it). */
function ensureBuilt(): void {
  const wasm = join(ROOT, "wasm", "build", "optimiser.wasm");
  if (!existsSync(wasm)) buildWasm();
  const dist = join(ROOT, "web", "dist", "index.html");
  const sources = ["web/src", "web/index.html", "web/vite.config.ts", "core"].map((p) =>
    join(ROOT, p),
  );
  if (!existsSync(dist) || Math.max(...sources.map(newest)) > statSync(dist).mtimeMs) buildWeb();
}

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
