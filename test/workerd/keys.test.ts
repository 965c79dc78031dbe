import { describe, expect, it } from "vitest";
import hello from "../../samples/hello.json";
import { api, createWorkflow } from "./helpers";
import { OTHER_KEY, SECOND_KEY } from "./setup";

describe("API keys, version diffs and input limits", () => {
  it("creates a key shown once, lists it without secrets, and revokes it", async () => {
    const created = await api<{ id: string; key: string; scopes: string[] }>("POST", "/api/keys", {
      name: "ci bot",
      scopes: ["read"],
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^aob_/);
    expect((await api("GET", "/api/workflows", undefined, created.body.key)).status).toBe(200);
    const list = await api<{ keys: Record<string, unknown>[] }>("GET", "/api/keys");
    const listed = list.body.keys.find((k) => k.id === created.body.id);
    expect(listed).toMatchObject({ name: "ci bot", scopes: ["read"], revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(Object.keys(listed ?? {})).not.toContain("keyHash");
    expect((await api("DELETE", `/api/keys/${created.body.id}`)).status).toBe(204);
    expect((await api("GET", "/api/workflows", undefined, created.body.key)).status).toBe(401);
  });

  it("keeps key management to admins of the same tenant", async () => {
    expect((await api("GET", "/api/keys", undefined, SECOND_KEY)).status).toBe(403);
    const other = await api<{ keys: { id: string }[] }>("GET", "/api/keys", undefined, OTHER_KEY);
    expect(other.body.keys.map((k) => k.id)).toEqual(["k_b"]);
    expect((await api("DELETE", "/api/keys/k_a", undefined, OTHER_KEY)).status).toBe(404);
  });

  it("diffs two versions of a workflow", async () => {
    const id = await createWorkflow(hello);
    const v2 = {
      ...hello,
      nodes: [
        ...hello.nodes.filter((n) => n.id !== "shout"),
        { id: "extra", type: "transform", config: { expression: "1" } },
      ],
      edges: [
        ...hello.edges.filter((e) => e.to !== "shout" && e.from !== "shout"),
        { from: "is_long", to: "extra", on: "true" },
        { from: "extra", to: "merge" },
      ],
    };
    expect((await api("PUT", `/api/workflows/${id}`, v2)).status).toBe(200);
    const res = await api<{ diff: { nodes: { added: string[]; removed: string[] } } }>(
      "GET",
      `/api/workflows/${id}/diff?from=1&to=2`,
    );
    expect(res.body.diff.nodes).toMatchObject({ added: ["extra"], removed: ["shout"] });
  });

  it("refuses JSON that nests too deep, with the path", async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 80; i++) deep = { d: deep };
    const res = await api<{ error: { details: { errors: { at: string }[] } } }>(
      "POST",
      "/api/workflows",
      {
        name: "deep",
        nodes: [{ id: "start", type: "start", config: { inputSchema: deep } }],
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0]?.at).toMatch(/^nodes\[0\]\.config\.inputSchema(\.d)+$/);
  });
});
