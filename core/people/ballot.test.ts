import { describe, expect, it } from "vitest";
import { isAssigned, outcomeOf } from "./ballot";

const ann = { userId: "usr_ann", email: "Ann@Example.com", roles: ["approver"] as const };

describe("ballot", () => {
  it("assigns by id, by email whatever its case, or by role", () => {
    expect(isAssigned(undefined, ann)).toBe(true);
    expect(isAssigned({ users: ["usr_ann"] }, ann)).toBe(true);
    expect(isAssigned({ users: ["ann@example.com"] }, ann)).toBe(true);
    expect(isAssigned({ roles: ["approver"] }, ann)).toBe(true);
    expect(isAssigned({ users: ["usr_bob"], roles: ["admin"] }, ann)).toBe(false);
  });

  it("any rejection rejects under `any`; a majority of the quorum under `majority`", () => {
    const a = { decision: "approve" } as const;
    const r = { decision: "reject" } as const;
    expect(outcomeOf([a], 2, "any")).toBeNull();
    expect(outcomeOf([a, a], 2, "any")).toBe("approved");
    expect(outcomeOf([a, r], 2, "any")).toBe("rejected");
    expect(outcomeOf([r], 3, "majority")).toBeNull();
    expect(outcomeOf([r, a, a], 3, "majority")).toBeNull();
    expect(outcomeOf([r, a, a, a], 3, "majority")).toBe("approved");
    expect(outcomeOf([r, a, r], 3, "majority")).toBe("rejected");
    expect(outcomeOf([r], 1, "majority")).toBe("rejected");
  });
});
