import { z } from "@hono/zod-openapi";
import { ArchiveError } from "../../../core/wire/archive-reader";
import {
  ARCHIVE_FORMAT,
  ARCHIVE_MEDIA_TYPE,
  MAX_EXPORT_RUNS,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_RUNS,
  type SummaryLine,
} from "../../../core/wire/run-archive";
import { runForExport } from "../../../db/archives";
import { ExportRefused, runSection } from "../../lifecycle/export-run";
import { importRuns } from "../../lifecycle/import-runs";
import { ApiError, notFound } from "../errors";
import * as example from "../examples/lifecycle";
import { apiRoute, routes } from "../route";
import { errors, json } from "../schemas/error";
import { IdParam, limitQuery } from "../schemas/params";
import { RunFilter, runPage } from "../services/run-filter";

/*
 * Export and import of runs (docs/LIFECYCLE.md, "Export and import"): a run's whole record as
 * one NDJSON download, a filter's runs as one streamed download, and an archive imported as
 * read-only archived runs. Mounted before the run routes: `/runs/export` is not a run's id.
 */

const tags = ["runs"];

const Archive = {
  content: { [ARCHIVE_MEDIA_TYPE]: { schema: z.string() } },
};

export const Imported = z
  .object({
    runs: z.array(
      z.object({
        sourceRunId: z.string().describe("Its id in the archive (where it ran)"),
        runId: z.string().describe("Its id here: an archived run, read-only"),
      }),
    ),
  })
  .openapi("ImportedRuns");

/** The archive as a streamed download: its lines, one at a time, as they are produced. */
function download(lines: AsyncGenerator<string>, first: string, filename: string): Response {
  const encoder = new TextEncoder();
  let pending: string | null = first;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending !== null) {
        controller.enqueue(encoder.encode(`${pending}\n`));
        pending = null;
        return;
      }
      // A failure past the first line cuts the download short: with no `end` line, an import
      // of it is refused as cut (core/wire/archive-reader.ts).
      const { done, value } = await lines.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(`${value}\n`));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": ARCHIVE_MEDIA_TYPE,
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
}

/** The first line, so a refusal (an active run, a deleted version) answers as an error. */
async function firstLine(lines: AsyncGenerator<string>): Promise<string> {
  try {
    const first = await lines.next();
    if (first.done) throw new Error("an archive without lines");
    return first.value;
  } catch (err) {
    if (!(err instanceof ExportRefused)) throw err;
    if (err.code === "not_found") throw new ApiError(404, "not_found", err.message);
    throw new ApiError(409, err.code === "run_active" ? "run_active" : "conflict", err.message);
  }
}

export const runArchiveRoutes = routes()
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/runs/export",
      operationId: "exportRuns",
      summary: "Export the runs of a filter as one streamed archive",
      description: `Ended runs matching the filter, newest first, at most \`limit\` (up to ${MAX_EXPORT_RUNS}), each as a section of the archive (docs/LIFECYCLE.md, "Export and import"; format \`${ARCHIVE_FORMAT}\`). The last line is a \`summary\`: how many runs it holds, the active runs it left out, and \`nextCursor\` for the next part. A download cut short has no summary line.`,
      tags,
      request: {
        query: RunFilter.extend({ limit: limitQuery(100, MAX_EXPORT_RUNS) }),
      },
      responses: {
        200: { description: "The archive, NDJSON, streamed", ...Archive },
        ...errors(400),
      },
    }),
    async (c) => {
      const { limit, ...filter } = c.req.valid("query");
      const tenantId = c.get("tenantId");
      const { items, nextCursor } = await runPage(c.env.DB, tenantId, limit, filter);
      const env = c.env;
      const exportedAt = Date.now();
      async function* lines(): AsyncGenerator<string> {
        const skipped: SummaryLine["skipped"] = [];
        let runs = 0;
        for (const item of items) {
          const row = await runForExport(env.DB, tenantId, item.id);
          if (!row) continue; // deleted meanwhile
          try {
            yield* runSection(env, item.id, row, exportedAt);
            runs++;
          } catch (err) {
            // Refused before its first line (its object says whether it is active): it is
            // left out, and the summary says why.
            if (!(err instanceof ExportRefused)) throw err;
            skipped.push({ id: item.id, status: err.status ?? err.code });
          }
        }
        const summary: SummaryLine = { type: "summary", runs, skipped, nextCursor };
        yield JSON.stringify(summary);
      }
      const all = lines();
      const first = await firstLine(all);
      return download(all, first, `runs-${exportedAt}.aob.ndjson`) as never;
    },
  )
  .openapi(
    apiRoute("run", {
      method: "post",
      path: "/runs/import",
      operationId: "importRuns",
      summary: "Import an archive as read-only archived runs",
      description: `The body is an archive as \`GET /api/runs/{id}/export\` or \`GET /api/runs/export\` wrote it (NDJSON, up to ${MAX_IMPORT_BYTES} bytes and ${MAX_IMPORT_RUNS} runs), streamed. Every run in it becomes an archived run with a new id: listed, viewable, exportable and deletable, never run, decided, patched or replayed, and exempt from retention. All or nothing: a damaged archive (a line that does not parse, a blob whose bytes are not its hash, a download cut short) answers 400 with the line and path of the problem, and nothing is kept.`,
      tags,
      request: {
        body: { required: true, description: "The archive", ...Archive },
      },
      responses: {
        201: json(
          Imported,
          "The runs, in the archive's order, with their new ids",
          example.imported,
        ),
        ...errors(400, 413),
      },
    }),
    async (c) => {
      const declared = Number(c.req.header("content-length"));
      if (declared > MAX_IMPORT_BYTES) {
        throw new ApiError(
          413,
          "payload_too_large",
          `the archive is ${declared} bytes, more than ${MAX_IMPORT_BYTES}: export in parts (\`limit\`, \`cursor\`)`,
        );
      }
      const body = c.req.raw.body;
      if (!body) throw new ApiError(400, "validation_failed", "the request has no archive");
      try {
        const runs = await importRuns(c.env, c.get("tenantId"), body);
        return c.json({ runs }, 201);
      } catch (err) {
        if (!(err instanceof ArchiveError)) throw err;
        const at = err.path.join(".");
        throw new ApiError(400, "validation_failed", err.message, {
          errors: [{ line: err.line, path: err.path, at, message: err.message }],
        });
      }
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/runs/{id}/export",
      operationId: "exportRun",
      summary: "Export a run's whole record as one download",
      description: `The run's definition (of the version it ran), input, node states and outputs, approvals with their form data, patches, its whole event log and every blob it holds, as NDJSON (format \`${ARCHIVE_FORMAT}\`, docs/LIFECYCLE.md). Streamed: a download cut short has no \`end\` line, and an import of it is refused. 409 while the run is active.`,
      tags,
      request: { params: z.object({ id: IdParam }) },
      responses: {
        200: { description: "The archive, NDJSON, streamed", ...Archive },
        ...errors(404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const tenantId = c.get("tenantId");
      const row = await runForExport(c.env.DB, tenantId, id);
      if (!row) throw notFound(`run ${id}`);
      const lines = runSection(c.env, id, row, Date.now());
      const first = await firstLine(lines);
      return download(lines, first, `run-${id}.aob.ndjson`) as never;
    },
  );
