import { z } from "zod";
import { Decision } from "../../api/schemas/approval";
import { decideApproval as decide } from "../../api/services/approval-decision";
import { answer } from "../answers";
import { builtinTool } from "../tool";

export const decideApproval = builtinTool({
  name: "decide_approval",
  title: "Decide an approval",
  description:
    "Votes approve or reject on a waiting approval node, as the user of your API key, with the checks of the REST API: you must be assigned to it, each user votes once, a quorum of N needs N users, and `data` must match the approval's form. Answers the approval with its votes so far; the run goes on once it is decided.",
  scopes: ["approve"],
  readOnly: false,
  args: Decision.extend({
    runId: z.string().min(1).describe("The run's id (run_…)."),
    nodeId: z.string().min(1).describe("The approval node's id."),
  }),
  async call(c, { runId, nodeId, ...decision }) {
    return answer({ approval: await decide(c, { runId, nodeId }, decision) });
  },
});
