import type { WebSocket } from "@playwright/test";
import { expect, node, test } from "./fixtures";

/** start → ask (an approval) → ship: waits at `ask` until someone decides, then goes on. */
const definition = {
  name: "e2e session",
  nodes: [
    { id: "start", type: "start" },
    { id: "ask", type: "approval", config: { message: "Go on?" } },
    { id: "ship", type: "transform", config: { expression: "'shipped'" } },
  ],
  edges: [
    { from: "start", to: "ask" },
    { from: "ask", to: "ship", on: "approved" },
  ],
};

test("the browser holds no key and sends none in a URL; revoking the key closes its socket and signs the page out", async ({
  page,
  api,
}, info) => {
  // A key of its own, so that revoking it leaves the suite's key alone.
  const own = await api.call<{ id: string; key: string }>("POST", "/api/keys", {
    name: "e2e session",
    scopes: ["read", "run", "approve"],
  });
  const leaks = (text: string) =>
    text.includes(own.key) || text.includes(encodeURIComponent(own.key));
  const requests: { url: string; authorization: string | undefined }[] = [];
  page.on("request", (r) =>
    requests.push({ url: r.url(), authorization: r.headers().authorization }),
  );
  const sockets: WebSocket[] = [];
  page.on("websocket", (ws) => sockets.push(ws));

  await page.goto("/workflows");
  await page.getByLabel("API key").fill(own.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Workflows" })).toBeVisible();
  // The top bar names the key's user (the suite's admin: POST /api/keys makes the caller's own).
  await expect(page.getByRole("banner")).toContainText("Local admin");

  const stored = await page.evaluate(() => ({
    local: Object.entries(window.localStorage),
    session: Object.entries(window.sessionStorage),
    cookie: document.cookie,
  }));
  expect(leaks(JSON.stringify(stored)), JSON.stringify(stored)).toBe(false);
  // The session cookie is httpOnly: the page's scripts cannot read it either.
  expect(stored.cookie).not.toContain("aob_session");
  // A reload stays signed in: the cookie, not the page, holds the session.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Workflows" })).toBeVisible();

  // The live run view still updates over the cookie-authenticated socket.
  const { id } = await api.call<{ id: string }>("POST", "/api/workflows", definition);
  const { runId } = await api.call<{ runId: string }>("POST", `/api/workflows/${id}/runs`, {});
  await page.goto(`/runs/${runId}`);
  await expect(node(page, "ask")).toHaveAttribute("data-status", "waiting");
  await expect.poll(() => sockets.length).toBeGreaterThan(0);
  const socket = sockets.at(-1)!;
  expect(socket.url()).toMatch(new RegExp(`/api/runs/${runId}/ws\\?after=\\d+$`));
  await api.call("POST", `/api/runs/${runId}/approvals/ask`, { decision: "approve" });
  await expect(node(page, "ship")).toHaveAttribute("data-status", "succeeded");
  await page.screenshot({ path: info.outputPath("live-run.png") });

  // Revoking the key closes the page's socket at once, and the page goes back to sign-in.
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  expect(socket.isClosed()).toBe(false);
  await api.call("DELETE", `/api/keys/${own.id}`);
  await closed;
  await expect(page.getByLabel("API key")).toBeVisible();
  await expect(page.getByRole("status")).toContainText("Your session has ended");

  for (const r of requests) {
    expect(leaks(r.url), r.url).toBe(false);
    expect(r.authorization, r.url).toBeUndefined();
  }
  for (const ws of sockets) expect(leaks(ws.url()), ws.url()).toBe(false);
  expect(requests.some((r) => r.url.endsWith("/api/sessions"))).toBe(true);
});
