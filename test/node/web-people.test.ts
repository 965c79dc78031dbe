import { describe, expect, it } from "vitest";
import { assignees, quorumText, rejectionText } from "../../web/src/approvals/quorum";
import { detailsText } from "../../web/src/people/audit-details";
import { userNames } from "../../web/src/people/names";

const names = userNames([
  { id: "usr_ada", name: "Ada", email: "Ada@Example.com" },
  { id: "usr_bob", name: "Bob", email: null },
]);

describe("an approval card's facts", () => {
  it("count approving users against the quorum", () => {
    const votes = [{ decision: "approve" }, { decision: "reject" }, { decision: "approve" }];
    expect(quorumText(votes, 3)).toBe("2 approving / 3 required");
    expect(quorumText([], 1)).toBe("0 approving / 1 required");
  });

  it("say how many rejections reject: one, or a majority of the quorum", () => {
    expect(rejectionText(undefined, 3)).toBe("any rejection rejects it");
    expect(rejectionText("any", 3)).toBe("any rejection rejects it");
    expect(rejectionText("majority", 4)).toBe(
      "3 rejections reject it (a majority of the quorum of 4)",
    );
    expect(rejectionText("majority", 1)).toBe(
      "1 rejection rejects it (a majority of the quorum of 1)",
    );
  });

  it("name the assigned users by id or email, and keep unknown ones as written", () => {
    expect(
      assignees({ users: ["usr_ada", "ADA@example.com", "usr_gone"], roles: ["approver"] }, names),
    ).toEqual({ users: ["Ada", "Ada", "usr_gone"], roles: ["approver"] });
    expect(assignees({ roles: ["admin"] }, names)).toEqual({ users: [], roles: ["admin"] });
    expect(assignees(null, names)).toBeNull();
    expect(assignees({ users: [], roles: [] }, names)).toBeNull();
  });
});

describe("an audit entry's details", () => {
  it("read as name: value pairs, a user id by its name", () => {
    expect(detailsText({ name: "ci", scopes: ["read", "approve"], userId: "usr_bob" }, names)).toBe(
      "name: ci · scopes: read, approve · user: Bob (usr_bob)",
    );
    expect(detailsText({ email: null, keysRevoked: 2, userId: "usr_x" })).toBe(
      "email: null · keysRevoked: 2 · user: usr_x",
    );
    expect(detailsText({})).toBe("");
  });
});
