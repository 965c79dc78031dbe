import { describe, expect, it } from "vitest";
import { both, definition, echoServer, end, nodeIn } from "../../test/support/engine/definitions";
import { drive } from "../../test/support/engine/drive";
import { RequestCoalescer, requestKey } from "./coalescer";

const get = (id: string, url: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "http",
  config: { url, ...extra },
});

describe("HTTP coalescer", () => {
  const fanOut = definition(
    [
      get("one", "https://api.example.com/users/{{ input.id }}"),
      get("two", "https://api.example.com/users/{{ input.id }}"),
      get("three", "https://api.example.com/users/{{ input.other }}"),
      {
        id: "post",
        type: "http",
        config: { method: "POST", url: "https://api.example.com/users" },
      },
      { id: "all", type: "join" },
      end("done", "{{ [nodes.one.output.body, nodes.two.output.body, nodes.three.output.body] }}"),
    ],
    [
      { from: "start", to: "one" },
      { from: "start", to: "two" },
      { from: "start", to: "three" },
      { from: "start", to: "post" },
      { from: "one", to: "all" },
      { from: "two", to: "all" },
      { from: "three", to: "all" },
      { from: "post", to: "all" },
      { from: "all", to: "done" },
    ],
  );

  it("marks idempotent GETs, groups identical ones, leaves POSTs alone", () => {
    const { optimised } = both(fanOut);
    expect(nodeIn(optimised, "one").coalesce).toBe(nodeIn(optimised, "two").coalesce);
    expect(nodeIn(optimised, "three").coalesce).not.toBe(nodeIn(optimised, "one").coalesce);
    expect(nodeIn(optimised, "post").coalesce).toBeUndefined();
    const rewrite = optimised.rewrites.find((r) => r.pass === "coalesce_http");
    expect(rewrite).toMatchObject({ nodes: ["one", "two"], detail: { requestsSaved: 1 } });
  });

  it("leaves GETs alone that can never be in flight beside another (a chain)", () => {
    const url = "https://api.example.com/status";
    const { optimised } = both(
      definition(
        [
          get("a", url),
          get("b", url),
          get("c", url),
          get("p", url),
          get("q", url),
          end("done", "1"),
        ],
        [
          // a → b → c: ordered, never together. p and q hang off a side by side, then reach done.
          { from: "start", to: "a" },
          { from: "a", to: "b" },
          { from: "b", to: "c" },
          { from: "c", to: "done" },
          { from: "start", to: "p" },
          { from: "start", to: "q" },
          { from: "p", to: "done" },
          { from: "q", to: "done" },
        ],
      ),
    );
    // p and q may overlap each other and the chain; a, b and c may overlap p and q.
    for (const id of ["a", "b", "c", "p", "q"])
      expect(nodeIn(optimised, id).coalesce, id).toBeDefined();
    const { optimised: chain } = both(
      definition(
        [get("a", url), get("b", url), get("c", url), end("done", "1")],
        [
          { from: "start", to: "a" },
          { from: "a", to: "b" },
          { from: "b", to: "c" },
          { from: "c", to: "done" },
        ],
      ),
    );
    for (const id of ["a", "b", "c"]) expect(nodeIn(chain, id).coalesce, id).toBeUndefined();
    expect(chain.rewrites.some((r) => r.pass === "coalesce_http")).toBe(false);
  });

  it("sends one request for GETs whose rendered request is the same, and gives each the answer", async () => {
    const { plain, optimised } = both(fanOut);
    const input = { id: 7, other: 7 };
    const before = await drive(plain, { input, server: echoServer });
    const after = await drive(optimised, { input, server: echoServer });
    expect(before.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET https://api.example.com/users/7",
      "GET https://api.example.com/users/7",
      "GET https://api.example.com/users/7",
      "POST https://api.example.com/users",
    ]);
    // `three` renders the same URL from another template: shared too.
    expect(after.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET https://api.example.com/users/7",
      "POST https://api.example.com/users",
    ]);
    expect(after.requestsSaved).toBe(2);
    expect(after.outputs).toEqual(before.outputs);
  });

  it("keys requests as sent: query merged into the URL, header names in any case", () => {
    expect(requestKey({ url: "https://x/a", query: { b: 1 } }, 5)).toBe(
      requestKey({ url: "https://x/a?b=1" }, 5),
    );
    expect(requestKey({ url: "https://x/a", headers: { Accept: "json" } }, 5)).toBe(
      requestKey({ url: "https://x/a", headers: { accept: "json" } }, 5),
    );
    expect(requestKey({ url: "https://x/a", headers: { accept: "json" } }, 5)).not.toBe(
      requestKey({ url: "https://x/a", headers: { accept: "text" } }, 5),
    );
    expect(requestKey({ url: "https://x/a" }, 5)).not.toBe(requestKey({ url: "https://x/a" }, 6));
    expect(requestKey({ url: "not a url" }, 5)).toBeNull();
  });

  it("lets a later claimant lead when the leader's attempt is no longer current", () => {
    const c = new RequestCoalescer();
    let current = true;
    expect(c.claim("k", { nodeId: "a", attempt: 1 }, () => current)).toBe("lead");
    expect(c.claim("k", { nodeId: "b", attempt: 1 }, () => current)).toBe("follow");
    expect(c.claim("k", { nodeId: "a", attempt: 1 }, () => current)).toBe("lead");
    current = false;
    expect(c.claim("k", { nodeId: "c", attempt: 1 }, () => current)).toBe("lead");
    expect(c.settle({ nodeId: "a", attempt: 1 })).toEqual([]);
    expect(c.settle({ nodeId: "c", attempt: 1 })).toEqual([]);
    expect(c.size).toBe(0);
  });
});
