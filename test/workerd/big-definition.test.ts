import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_NODES } from "../../core/workflow/definition";
import { validateWorkflow } from "../../core/workflow/validate";
import { findLatestDefinition } from "../../db/workflows";
import { api, createWorkflow } from "./helpers";

/**
 * start → t00001 → … → end, `n` nodes in all: a chain of transforms. `note` goes into every
 * expression (as a string literal) to make the definition larger or multi-byte.
 */
function chain(n: number, note = "") {
  const ids = Array.from({ length: n - 2 }, (_, i) => `t${String(i + 1).padStart(5, "0")}`);
  const ends = ["start", ...ids, "end"];
  return {
    name: `chain of ${n} nodes`,
    nodes: [
      { id: "start", type: "start" },
      ...ids.map((id) => ({
        id,
        type: "transform",
        config: { expression: note ? `"${note}"` : "1" },
      })),
      { id: "end", type: "end" },
    ],
    edges: ends.slice(1).map((to, i) => ({ from: ends[i]!, to })),
  };
}

interface Stored {
  version: number;
  definition: ReturnType<typeof chain> & { description?: string };
}

describe("workflows at the node limit", { timeout: 60_000 }, () => {
  it("accepts, stores and reads back a 25,000-node workflow; 25,001 is refused at nodes", async () => {
    const def = chain(MAX_NODES);
    const id = await createWorkflow(def);
    const back = await api<Stored>("GET", `/api/workflows/${id}`);
    expect(back.status).toBe(200);
    expect(back.body.definition.nodes).toHaveLength(25_000);
    expect(back.body.definition.edges).toHaveLength(24_999);
    expect(back.body.definition.nodes.at(-2)).toMatchObject(def.nodes.at(-2)!);

    const over = await api<{ error: { code: string; details: { errors: { at: string }[] } } }>(
      "POST",
      "/api/workflows",
      chain(MAX_NODES + 1),
    );
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe("validation_failed");
    expect(over.body.error.details.errors).toContainEqual(
      expect.objectContaining({ at: "nodes", message: "a workflow has at most 25000 nodes" }),
    );
  });

  it("stores a definition over one D1 value (2 MB) in pieces and reads every version back exactly", async () => {
    // Over 3 MB of JSON, multi-byte and astral characters included (1.6 M characters).
    const def = chain(2_000, "€😀 ".repeat(200));
    const checked = validateWorkflow(def);
    if (!checked.ok) throw new Error("the test's definition does not validate");
    const text = JSON.stringify(checked.definition);
    expect(new TextEncoder().encode(text).length).toBeGreaterThan(3_000_000);
    const id = await createWorkflow(def);
    const pieces = await env.DB.prepare(
      "SELECT count(*) AS n FROM workflow_version_pieces WHERE workflow_id = ?",
    )
      .bind(id)
      .first<{ n: number }>();
    expect(pieces?.n).toBe(Math.ceil(text.length / 500_000));

    const small = chain(3);
    expect((await api("PUT", `/api/workflows/${id}`, small)).status).toBe(200);
    const big = { ...def, description: "version 3" };
    expect((await api("PUT", `/api/workflows/${id}`, big)).status).toBe(200);

    const v1 = await api<Stored>("GET", `/api/workflows/${id}/versions/1`);
    const v2 = await api<Stored>("GET", `/api/workflows/${id}/versions/2`);
    const v3 = await api<Stored>("GET", `/api/workflows/${id}`);
    expect(JSON.stringify(v1.body.definition)).toBe(text);
    expect(v2.body.definition.nodes).toHaveLength(3);
    expect(v3.body.version).toBe(3);
    expect(v3.body.definition.description).toBe("version 3");
    // What a scheduled start reads (workers/cron.ts).
    const latest = await findLatestDefinition(env.DB, "t_a", id);
    expect(latest?.latestVersion).toBe(3);
    expect(JSON.parse(latest!.definition)).toEqual(v3.body.definition);
  });
});
