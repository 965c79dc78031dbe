import { describe, expect, it } from "vitest";
import { allows, effectiveScopes, scopesOfRoles } from "./roles";

describe("roles", () => {
  it("a user's scopes are the union of their roles'", () => {
    expect(scopesOfRoles(["viewer"])).toEqual(["read"]);
    expect(scopesOfRoles(["approver", "operator"])).toEqual(["read", "run", "approve"]);
    expect(scopesOfRoles(["admin"])).toEqual(["read", "run", "edit", "approve", "admin"]);
  });

  it("a key is never wider than its user", () => {
    expect(effectiveScopes(["read", "run", "approve", "admin"], ["approver"])).toEqual([
      "read",
      "approve",
    ]);
    expect(effectiveScopes(["read"], ["admin"])).toEqual(["read"]);
    expect(effectiveScopes(["admin"], ["editor"])).toEqual([]);
  });

  it("admin allows every scope", () => {
    expect(allows(["admin"], "edit")).toBe(true);
    expect(allows(["read", "run"], "edit")).toBe(false);
  });
});
