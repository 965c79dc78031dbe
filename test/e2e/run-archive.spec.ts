import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Api, expect, node, test } from "./fixtures";

/** Starts a run of a new workflow and waits for it to complete (arranging, not under test). */
async function completedRun(api: Api, definition: unknown): Promise<string> {
  const { id } = await api.call<{ id: string }>("POST", "/api/workflows", definition);
  const { runId } = await api.call<{ runId: string }>("POST", `/api/workflows/${id}/runs`, {
    input: { who: "Ada" },
  });
  await expect
    .poll(async () => (await api.call<{ status: string }>("GET", `/api/runs/${runId}`)).status)
    .toBe("completed");
  return runId;
}

test("exports a run from its page, imports the archive from the run list, and shows it read-only", async ({
  signedIn: page,
  api,
}, testInfo) => {
  const runId = await completedRun(api, {
    name: "e2e archive",
    nodes: [
      { id: "start", type: "start" },
      { id: "greet", type: "transform", config: { expression: "'Hello, ' & input.who" } },
      { id: "done", type: "end", config: { output: "{{ nodes.greet.output }}" } },
    ],
    edges: [
      { from: "start", to: "greet" },
      { from: "greet", to: "done" },
    ],
  });

  await page.goto(`/runs/${runId}`);
  const saved = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export" }).click();
  const download = await saved;
  expect(download.suggestedFilename()).toBe(`run-${runId}.aob.ndjson`);
  const archive = (await readFile((await download.path())!, "utf8")).trim().split("\n");
  expect(JSON.parse(archive.at(-1)!)).toMatchObject({ type: "end", runId });

  // A cut archive is refused with its line, and nothing is imported.
  await mkdir(testInfo.outputDir, { recursive: true });
  const cut = join(testInfo.outputDir, "cut.aob.ndjson");
  await writeFile(cut, `${archive.slice(0, -1).join("\n")}\n`);
  await page.goto("/runs");
  await page.getByRole("button", { name: "Import…" }).click();
  await page.getByLabel("Archive").setInputFiles(cut);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText(`line ${archive.length}`);
  await expect(page.getByRole("alert")).toContainText("no end line");

  // The whole one is imported: a new run, read-only, its graph drawn.
  await page.getByLabel("Archive").setInputFiles((await download.path())!);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("Imported 1 run");
  await page.getByRole("dialog").getByRole("link").click();
  await expect(page.getByRole("status")).toContainText(`from run ${runId}`);
  await expect(page.getByRole("status")).toContainText("read-only");
  await expect(node(page, "greet")).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel run" })).toHaveCount(0);
  await page.getByRole("tab", { name: /Patches/ }).click();
  await expect(page.getByRole("button", { name: "Propose patch…" })).toBeDisabled();
  await expect(page.getByText("An archived run is read-only.")).toBeVisible();

  // The run list tags it.
  await page.goto("/runs");
  await expect(page.getByText("archived").first()).toBeVisible();
});
