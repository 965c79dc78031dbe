import { z } from "@hono/zod-openapi";
import { Patch as CorePatch } from "../../../core/patches";
import { page } from "../../../core/wire/cursor";
import { audit } from "../audit";
import { ApiError } from "../errors";
import * as example from "../examples/runs";
import { apiRoute, routes } from "../route";
import { runStub } from "../run-stub";
import { errors, json, jsonBody } from "../schemas/error";
import { cursorOf, cursorQuery, IdParam, limitQuery } from "../schemas/params";
import { PatchList, PatchRecord } from "../schemas/run";

const NewPatch = CorePatch.openapi("NewPatch");
const tags = ["runs"];

/**
 * A run's patches: the list (provenance of every proposal), and a patch proposed by a person.
 * A malformed patch is a 400 and records nothing; a well-formed patch the graph rules, the
 * limits or the run's live state refuse is recorded as rejected and answered 422 with every
 * problem's path; an applied patch is 201.
 */
export const patchRoutes = routes()
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/runs/{id}/patches",
      operationId: "listPatches",
      summary: "A run's patches, in order, with their source and outcome",
      tags,
      request: {
        params: z.object({ id: IdParam }),
        query: z.object({ limit: limitQuery(100, 500), cursor: cursorQuery(["n"]) }),
      },
      responses: {
        200: json(PatchList, "The patches proposed to the run", example.patches),
        ...errors(400, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      const stub = await runStub(c.env, c.get("tenantId"), id);
      const after = cursorOf<[number]>(cursor, ["n"])?.[0] ?? 0;
      // A run holds few patches (the run limits cap them): paged after reading them all.
      const rows = (await stub.patchList()).filter((p) => p.id > after);
      const { items, nextCursor } = page(rows, limit, (p) => [p.id]);
      return c.json({ patches: items, nextCursor }, 200);
    },
  )
  .openapi(
    apiRoute("run", {
      method: "post",
      path: "/runs/{id}/patches",
      operationId: "proposePatch",
      summary: "Propose a patch to a running graph (as a person)",
      description:
        "Ops: add_node, add_edge (into a node not started), remove_edge (a pending edge), update_node (a node not started). Checked against the run limits, every workflow rule, then live state; a refusal is recorded with its problems.",
      tags,
      request: {
        params: z.object({ id: IdParam }),
        body: jsonBody(NewPatch, example.newPatch),
      },
      responses: {
        201: json(PatchRecord, "The patch, applied", example.patch),
        ...errors(400, 404, 409, 413, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const stub = await runStub(c.env, c.get("tenantId"), id);
      const result = await stub.proposePatch(body, {
        kind: "person",
        by: c.get("userName"),
        keyId: c.get("keyId"),
      });
      if (!result.ok) {
        const code =
          result.code === "not_found" ||
          result.code === "run_finished" ||
          result.code === "limit_exceeded"
            ? result.code
            : "conflict";
        throw new ApiError(result.status, code, result.message);
      }
      await audit(
        c,
        "run.patch",
        { type: "run", id },
        { patch: result.patch.id, status: result.patch.status, ops: body.ops.length },
      );
      if (result.patch.status !== "applied") {
        throw new ApiError(
          422,
          "patch_rejected",
          `patch ${result.patch.id} was rejected: ${result.patch.problems?.map((p) => `${p.at}: ${p.message}`).join("; ")}`,
          { patch: result.patch, errors: result.patch.problems ?? [] },
        );
      }
      return c.json(result.patch, 201);
    },
  );
