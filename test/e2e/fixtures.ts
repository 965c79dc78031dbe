import { join } from "node:path";
import { test as base, expect, type Locator, type Page, type TestInfo } from "@playwright/test";
import { ROOT } from "../../scripts/lib";
import type { LlmStep } from "../support/llm-stub";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite through playwright.config.ts`);
  return value;
}

/** The API of the suite's `wrangler dev`, for arranging state a test is not about. */
export class Api {
  constructor(
    readonly url: string,
    readonly key: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }
}

export const test = base.extend<{ api: Api; signedIn: Page }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern; it has none.
  baseURL: async ({}, use) => {
    await use(env("AOB_E2E_URL"));
  },
  // biome-ignore lint/correctness/noEmptyPattern: as above.
  api: async ({}, use) => {
    await use(new Api(env("AOB_E2E_URL"), env("AOB_E2E_KEY")));
  },
  /** A page whose browser is already signed in (the login form has its own test). */
  signedIn: async ({ page, api }, use) => {
    await signInAs(page, api.key);
    await use(page);
  },
});

export { expect };

/**
 * Signs the page's browser context in with `key` the way the login form does
 * (`POST /api/sessions`): the context gets the httpOnly session cookie, never the key.
 */
export async function signInAs(page: Page, key: string): Promise<void> {
  const res = await page.request.post("/api/sessions", {
    data: { key },
    headers: { "x-aob-csrf": "1" },
  });
  if (res.status() !== 201) throw new Error(`sign-in: ${res.status()} ${await res.text()}`);
}

/**
 * Scripts the suite's chat-completions stub (started by the global setup): requests for `model`
 * get these answers, in order.
 */
export async function scriptModel(model: string, steps: LlmStep[]): Promise<void> {
  const res = await fetch(`${env("AOB_E2E_LLM")}/llm/script/${encodeURIComponent(model)}`, {
    method: "POST",
    body: JSON.stringify({ steps }),
  });
  if (!res.ok) throw new Error(`scripting ${model}: ${res.status} ${await res.text()}`);
}

/** A node on the canvas, by workflow node id. */
export function node(page: Page, id: string): Locator {
  return page.getByTestId(`node-${id}`);
}

/** Drags a kind from the palette and drops it at a point of the canvas. */
export async function dropKind(
  page: Page,
  kind: string,
  at: { x: number; y: number },
): Promise<void> {
  await page
    .locator(`.palette [data-kind="${kind}"]`)
    .dragTo(page.locator(".builder-canvas .react-flow__pane"), { targetPosition: at });
}

/** Draws an edge from a port of one node to the input of another, with the mouse. */
export async function connect(page: Page, from: string, port: string, to: string): Promise<void> {
  // Measure the handles once validation has answered: its warnings change a node's height, and
  // with it where the handles are, so a drag measured before the answer can miss its target.
  await expect(page.locator(".wf-state")).toContainText(/problem|valid/);
  const source = node(page, from).locator(`[data-port="${port}"]`);
  const target = node(page, to).locator(".handle-in");
  const a = await source.boundingBox();
  const b = await target.boundingBox();
  if (!a || !b) throw new Error(`cannot see the handles of ${from}.${port} or ${to}`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
}

/**
 * Where a screenshot for the docs goes: `docs/img/<name>` when `AOB_DOC_IMAGES=1` (run the spec
 * with it to refresh the pictures docs/UI.md shows), else the test's own output folder.
 */
export function docImage(info: TestInfo, name: string): string {
  if (process.env.AOB_DOC_IMAGES === "1") return join(ROOT, "docs", "img", name);
  return info.outputPath(name);
}
