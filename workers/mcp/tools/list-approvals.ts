import { z } from "zod";
import { cursorQuery } from "../../api/schemas/params";
import { INBOX_KEY, inboxPage } from "../../api/services/approval-inbox";
import { answer } from "../answers";
import { builtinTool } from "../tool";

export const listApprovals = builtinTool({
  name: "list_approvals",
  title: "List pending approvals",
  description:
    'The approvals waiting for a decision, newest first: run, node, message, the form to fill in (a JSON Schema) and the votes so far. `for: "me"` keeps those you may decide and have not voted on. Decide one with decide_approval.',
  scopes: ["read"],
  readOnly: true,
  args: z.strictObject({
    for: z
      .enum(["me", "anyone"])
      .default("anyone")
      .describe("`me`: only approvals assigned to you (or to anyone) that you have not voted on."),
    limit: z.number().int().min(1).max(100).default(20).describe("How many at most."),
    cursor: cursorQuery(INBOX_KEY).describe("`nextCursor` of the previous page."),
  }),
  async call(c, args) {
    return answer(await inboxPage(c, { ...args, status: "pending" }));
  },
});
