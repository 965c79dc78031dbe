import { readFile } from "node:fs/promises";
import { type Api, expect, node, test } from "./fixtures";

interface RunView {
  status: string;
  nodes: { id: string; outputHash?: string; output?: unknown }[];
}

/** Starts a run of a new workflow and waits for it to complete (arranging, not under test). */
async function completedRun(api: Api, definition: unknown, input: unknown): Promise<string> {
  const { id } = await api.call<{ id: string }>("POST", "/api/workflows", definition);
  const { runId } = await api.call<{ runId: string }>("POST", `/api/workflows/${id}/runs`, {
    input,
  });
  await expect
    .poll(async () => (await api.call<RunView>("GET", `/api/runs/${runId}`)).status)
    .toBe("completed");
  return runId;
}

test("the node panel downloads an output, and previews and downloads a blob the output names", async ({
  signedIn: page,
  api,
}) => {
  const report = { title: "quarterly", rows: [1, 2, 3] };
  const first = await completedRun(
    api,
    {
      name: "e2e blob source",
      nodes: [
        { id: "start", type: "start" },
        { id: "make", type: "transform", config: { expression: "input" } },
      ],
      edges: [{ from: "start", to: "make" }],
    },
    report,
  );

  await page.goto(`/runs/${first}`);
  await node(page, "make").click();
  await expect(page.getByTestId("node-output")).toContainText('"quarterly"');
  const saved = page.waitForEvent("download");
  await page.getByTestId("output-download").click();
  const download = await saved;
  expect(download.suggestedFilename()).toBe("make.json");
  expect(JSON.parse(await readFile((await download.path())!, "utf8"))).toEqual(report);

  // An output naming that output by its hash, as an http node's streamed body is named: the
  // panel reads its first KiB with a Range request and links a download, on the session cookie.
  const view = await api.call<RunView>("GET", `/api/runs/${first}`);
  const hash = view.nodes.find((n) => n.id === "make")?.outputHash ?? "";
  const stored = '{"rows":[1,2,3],"title":"quarterly"}'; // canonical JSON: keys sorted
  await expect.poll(async () => (await fetch(blobUrl(api, hash), auth(api))).status).toBe(200);
  const marker = { $blob: hash, bytes: stored.length, contentType: "application/json" };
  const second = await completedRun(
    api,
    {
      name: "e2e blob marker",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "fetch",
          type: "transform",
          config: { expression: '{ "status": 200, "body": input.ref }' },
        },
      ],
      edges: [{ from: "start", to: "fetch" }],
    },
    { ref: marker },
  );

  await page.goto(`/runs/${second}`);
  await node(page, "fetch").click();
  const blob = page.getByTestId("blob-view");
  await expect(blob).toContainText("output.body");
  await expect(blob.getByTestId("blob-facts")).toHaveText(`application/json · ${stored.length} B`);
  await expect(blob.getByTestId("blob-preview")).toHaveText(stored);
  const bytes = page.waitForEvent("download");
  await blob.getByTestId("blob-download").click();
  const body = await bytes;
  expect(body.suggestedFilename()).toBe("fetch-body.json");
  expect(await readFile((await body.path())!, "utf8")).toBe(stored);
});

const blobUrl = (api: Api, hash: string) => `${api.url}/api/blobs/${hash}`;
const auth = (api: Api) => ({ headers: { authorization: `Bearer ${api.key}` } });
