import { Hono } from "hono";
import { describeKinds } from "../../../core/kinds/registry";
import type { AppEnv } from "../types";

const kinds = describeKinds();

/** GET /api/node-types: the registry that drives the UI palette and the CLI. */
export const nodeTypes = new Hono<AppEnv>().get("/node-types", (c) => c.json({ nodeTypes: kinds }));
