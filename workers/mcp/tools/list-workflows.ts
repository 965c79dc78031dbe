import { z } from "zod";
import { cursorQuery } from "../../api/schemas/params";
import { WORKFLOW_KEY, workflowPage } from "../../api/services/workflows";
import { answer } from "../answers";
import { builtinTool } from "../tool";

export const listWorkflows = builtinTool({
  name: "list_workflows",
  title: "List workflows",
  description:
    "Lists the workflows of your aob workspace, most recently changed first: id, name, description and latest version. Start one with start_run and its id.",
  scopes: ["read"],
  readOnly: true,
  args: z.strictObject({
    name: z.string().min(1).max(200).optional().describe("Only workflows with exactly this name."),
    limit: z.number().int().min(1).max(100).default(50).describe("How many at most."),
    cursor: cursorQuery(WORKFLOW_KEY).describe("`nextCursor` of the previous page."),
  }),
  async call(c, args) {
    const { workflows, nextCursor } = await workflowPage(c.env, c.get("tenantId"), args);
    return answer({
      workflows: workflows.map((w) => ({
        id: w.id,
        name: w.name,
        description: w.description,
        latestVersion: w.latestVersion,
        updatedAt: w.updatedAt,
      })),
      nextCursor,
    });
  },
});
