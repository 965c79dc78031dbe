import { describe, expect, it } from "vitest";
import {
  anchorOf,
  asDocument,
  constraints,
  groups,
  matches,
  type OpenApiDocument,
  scopeOf,
  typeLabel,
} from "../../web/src/reference/spec";

const doc: OpenApiDocument = {
  openapi: "3.1.0",
  info: { title: "t", version: "1" },
  tags: [{ name: "workflows", description: "Definitions" }, { name: "runs" }],
  paths: {
    "/api/runs/{id}": {
      get: { tags: ["runs"], summary: "One run", security: [{ bearerAuth: ["read"] }] },
      delete: { tags: ["runs"], security: [{ bearerAuth: ["run"] }] },
    },
    "/api/workflows": {
      post: { tags: ["workflows"], summary: "Create", security: [{ bearerAuth: ["run"] }] },
    },
    "/api/health": { get: { summary: "Health", security: [] } },
  },
};

describe("the API reference's reading of an OpenAPI document", () => {
  it("groups operations by tag in the document's tag order, untagged last", () => {
    const g = groups(doc);
    expect(g.map((x) => x.tag)).toEqual(["workflows", "runs", "other"]);
    expect(g[0]?.description).toBe("Definitions");
    expect(g[1]?.entries.map((e) => `${e.method} ${e.path}`)).toEqual([
      "get /api/runs/{id}",
      "delete /api/runs/{id}",
    ]);
    expect(g[1]?.entries[0]?.anchor).toBe("get-api-runs-id");
  });

  it("names the scope an operation needs, or none", () => {
    expect(scopeOf(doc.paths["/api/runs/{id}"]!.get!)).toBe("read");
    expect(scopeOf(doc.paths["/api/health"]!.get!)).toBeNull();
  });

  it("filters by every word across method, path, summary, tag and scope", () => {
    const entries = groups(doc).flatMap((g) => g.entries);
    const hits = (q: string) => entries.filter((e) => matches(e, q)).map((e) => e.anchor);
    expect(hits("")).toHaveLength(4);
    expect(hits("runs read")).toEqual(["get-api-runs-id"]);
    expect(hits("POST workflows")).toEqual(["post-api-workflows"]);
    expect(hits("public")).toEqual(["get-api-health"]);
    expect(hits("nothing like this")).toEqual([]);
  });

  it("says a schema's type and rules in words", () => {
    expect(typeLabel({ type: "array", items: { $ref: "#/components/schemas/RunNode" } })).toBe(
      "array of RunNode",
    );
    expect(typeLabel({ type: ["string", "null"] })).toBe("string or null");
    expect(typeLabel({})).toBe("any JSON");
    expect(typeLabel({ type: "object", additionalProperties: { type: "number" } })).toBe(
      "map of number",
    );
    expect(typeLabel({ allOf: [{ $ref: "#/components/schemas/A" }, { type: "object" }] })).toBe(
      "A and object",
    );
    expect(constraints({ type: "integer", minimum: 1, maximum: 500, default: 100 })).toEqual([
      "1–500",
      "default 100",
    ]);
    expect(constraints({ type: "string", minLength: 1, pattern: "^[a-z]+$" })).toEqual([
      "at least 1 character",
      "matches ^[a-z]+$",
    ]);
    expect(constraints({ type: "array", minItems: 1, maxItems: 5000 })).toEqual(["1–5000 items"]);
    expect(constraints({ enum: ["approve", "reject"] })).toEqual(['one of "approve", "reject"']);
    expect(
      constraints({ type: "object", properties: { a: {} }, additionalProperties: false }),
    ).toEqual(["no other fields"]);
  });

  it("refuses an answer that is not an OpenAPI 3 document", () => {
    expect(() => asDocument({ swagger: "2.0", paths: {} })).toThrow(/not an OpenAPI 3/);
    expect(() => asDocument(null)).toThrow(/not an OpenAPI 3/);
    expect(asDocument(doc)).toBe(doc);
    expect(anchorOf("GET", "/api/runs/{a}/diff/{b}")).toBe("get-api-runs-a-diff-b");
  });
});
