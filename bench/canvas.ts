/**
 * The web UI at scale (issue 16, part 4): a run and a workflow of `BENCH_CANVAS_NODES` transforms
 * in a fan-out (see `fanOut`), opened in Chromium (Debian's, headless) against a real
 * `wrangler dev` serving the built UI, once the run has ended.
 *
 * Per page, in the page's own clock (`performance.now()` from navigation start):
 * - first node: the first canvas node in the DOM;
 * - graph shown: `start` drawn and the run's status known (run view), or the node count (builder);
 * - DOM: canvas nodes and edges rendered, elements in the whole document;
 * - interactions: a wheel zoom step and a drag pan, each from the input event to two animation
 *   frames later (the frame React Flow draws in has then been painted), ten of each, median and
 *   max; at the fitted zoom (simple nodes) and zoomed in to the most (full nodes, only those in
 *   view);
 * - the timeline: a click on "Oldest" until its first row reads #1.
 *
 * Run: `npm run build:web && npx tsx bench/canvas.ts` (BENCH_CANVAS_NODES=10000 by default).
 * A benchmark, not a test: it asserts nothing and prints a markdown table.
 */
import { chromium, type Page } from "@playwright/test";
import { DevServer } from "../test/support/dev-server";
import { skippedFanOut } from "../test/support/skipped-fan-out";
import { fmt, markdownTable } from "./stats";

const NODES = Number(process.env.BENCH_CANVAS_NODES ?? 10_000);
const STEPS = 10;

interface Interaction {
  median: number;
  max: number;
}

interface PageFigures {
  page: string;
  firstNodeMs: number;
  shownMs: number;
  nodesInDom: number;
  edgesInDom: number;
  elements: number;
  zoomFit: Interaction;
  panFit: Interaction;
  zoomIn: Interaction;
  panIn: Interaction;
  nodesInDomZoomedIn: number;
  timelineMs: number | null;
}

function stats(values: number[]): Interaction {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, max: sorted.at(-1)! };
}

/** Time from an input event on the canvas to two frames later, in the page. */
async function timed(page: Page, kind: "zoom" | "pan", step: number): Promise<number> {
  return page.evaluate(
    async ({ kind, step }) => {
      const pane = document.querySelector(".react-flow__pane") as HTMLElement;
      const box = pane.getBoundingClientRect();
      const x = box.left + box.width / 2;
      const y = box.top + box.height / 2;
      const t0 = performance.now();
      if (kind === "zoom") {
        // Alternating in and out keeps the zoom level where it started.
        const deltaY = step % 2 === 0 ? -120 : 120;
        pane.dispatchEvent(
          new WheelEvent("wheel", {
            deltaY,
            clientX: x,
            clientY: y,
            bubbles: true,
            cancelable: true,
          }),
        );
      } else {
        const dx = step % 2 === 0 ? 150 : -150;
        const opts = { bubbles: true, cancelable: true, view: window, button: 0 };
        pane.dispatchEvent(new MouseEvent("mousedown", { ...opts, clientX: x, clientY: y }));
        window.dispatchEvent(
          new MouseEvent("mousemove", { ...opts, clientX: x + dx / 2, clientY: y }),
        );
        window.dispatchEvent(new MouseEvent("mousemove", { ...opts, clientX: x + dx, clientY: y }));
        window.dispatchEvent(new MouseEvent("mouseup", { ...opts, clientX: x + dx, clientY: y }));
      }
      // Two frames: the one React Flow draws in has then been painted. (Inline: a named helper
      // here would be rewritten by the bundler into a call the page does not have.)
      await new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
      return performance.now() - t0;
    },
    { kind, step },
  );
}

async function interactions(page: Page, kind: "zoom" | "pan"): Promise<Interaction> {
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) times.push(await timed(page, kind, i));
  return stats(times);
}

async function counts(page: Page) {
  return page.evaluate(() => ({
    nodes: document.querySelectorAll(".react-flow__node").length,
    edges: document.querySelectorAll(".react-flow__edge").length,
    elements: document.querySelectorAll("*").length,
  }));
}

async function measurePage(page: Page, label: string, path: string, run: boolean) {
  await page.goto(path);
  const firstNodeMs = await (
    await page.waitForFunction(
      () => (document.querySelector(".react-flow__node") ? performance.now() : 0),
      undefined,
      { polling: "raf", timeout: 120_000 },
    )
  ).jsonValue();
  const shownMs = await (
    await page.waitForFunction(
      (run) =>
        document.querySelector('[data-testid="node-start"]') &&
        (!run || document.querySelector('[data-testid="run-status"]'))
          ? performance.now()
          : 0,
      run,
      { polling: "raf", timeout: 120_000 },
    )
  ).jsonValue();
  // Let the fit settle before counting what it rendered.
  await page.waitForTimeout(1000);
  if (process.env.BENCH_CANVAS_SHOT)
    await page.screenshot({
      path: `${process.env.BENCH_CANVAS_SHOT}-${label.replace(" ", "-")}.png`,
    });
  const fitted = await counts(page);
  const zoomFit = await interactions(page, "zoom");
  const panFit = await interactions(page, "pan");
  // Zoomed in to the most (React Flow's 2), readable: full nodes, only those in view. By the
  // Controls' button (×1.2 a click, disabled at the most): a double-click on a node zooms the run view but not the
  // builder, whose nodes are draggable and so ignored by React Flow's zoom.
  const zoomInButton = page.locator(".react-flow__controls-zoomin");
  for (let i = 0; i < 30 && (await zoomInButton.isEnabled()); i++) await zoomInButton.click();
  await page.waitForTimeout(1000);
  const zoomed = await counts(page);
  const zoomIn = await interactions(page, "zoom");
  const panIn = await interactions(page, "pan");
  let timelineMs: number | null = null;
  if (run) {
    await page.getByRole("tab", { name: /Timeline/ }).click();
    await page.locator(".timeline > li").first().waitFor();
    const t0 = Date.now();
    await page.getByRole("button", { name: "Oldest" }).click();
    await page.locator(".timeline > li").first().filter({ hasText: "#1" }).waitFor();
    timelineMs = Date.now() - t0;
  }
  return {
    page: label,
    firstNodeMs,
    shownMs,
    nodesInDom: fitted.nodes,
    edgesInDom: fitted.edges,
    elements: fitted.elements,
    zoomFit,
    panFit,
    zoomIn,
    panIn,
    nodesInDomZoomedIn: zoomed.nodes,
    timelineMs,
  } satisfies PageFigures;
}

async function main() {
  const dev = new DevServer({});
  dev.prepare();
  await dev.start();
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const created = await dev.api<{ id: string }>("POST", "/api/workflows", skippedFanOut(NODES));
    if (created.status !== 201)
      throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    const started = await dev.api<{ runId: string }>(
      "POST",
      `/api/workflows/${created.body.id}/runs`,
      { input: {} },
    );
    if (started.status !== 202)
      throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
    const runId = started.body.runId;
    let view = await dev.api<{ status: string; lastSeq: number; nodes: { status: string }[] }>(
      "GET",
      `/api/runs/${runId}`,
    );
    const deadline = Date.now() + 120_000;
    while (view.body.status === "running" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      view = await dev.api("GET", `/api/runs/${runId}`);
    }
    const byStatus = new Map<string, number>();
    for (const n of view.body.nodes) byStatus.set(n.status, (byStatus.get(n.status) ?? 0) + 1);

    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      baseURL: dev.url,
    });
    const signIn = await context.request.post("/api/sessions", {
      data: { key: dev.key },
      headers: { "x-aob-csrf": "1" },
    });
    if (signIn.status() !== 201) throw new Error(`sign-in: ${signIn.status()}`);
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") process.stderr.write(`page: ${m.text().slice(0, 300)}\n`);
    });
    const figures = [
      await measurePage(page, "run view", `/runs/${runId}`, true),
      await measurePage(page, "builder", `/workflows/${created.body.id}`, false),
    ];
    const i = (x: Interaction) => `${fmt(x.median)} (${fmt(x.max)})`;
    process.stdout.write(
      `Canvas at ${NODES.toLocaleString("en-US")} transforms (${view.body.nodes.length} nodes; run ${view.body.status}: ${[...byStatus].map(([s, c]) => `${c} ${s}`).join(", ")}; ${view.body.lastSeq} events)\n\n`,
    );
    process.stdout.write(
      `${markdownTable(
        [
          "page",
          "first node ms",
          "graph shown ms",
          "nodes / edges in DOM (fitted)",
          "elements",
          "zoom step ms, fitted",
          "pan ms, fitted",
          "nodes in DOM zoomed in",
          "zoom step ms, zoomed in",
          "pan ms, zoomed in",
          "timeline to oldest page ms",
        ],
        figures.map((f) => [
          f.page,
          fmt(f.firstNodeMs),
          fmt(f.shownMs),
          `${f.nodesInDom} / ${f.edgesInDom}`,
          String(f.elements),
          i(f.zoomFit),
          i(f.panFit),
          String(f.nodesInDomZoomedIn),
          i(f.zoomIn),
          i(f.panIn),
          f.timelineMs === null ? "–" : String(f.timelineMs),
        ]),
      )}\n`,
    );
  } finally {
    await browser.close();
    await dev.stop();
  }
}

await main();
