import { z } from "zod";
import { runAnswer } from "../run-answer";
import { builtinTool } from "../tool";
import { WaitSeconds } from "../wait";

export const getRun = builtinTool({
  name: "get_run",
  title: "Get a run",
  description:
    "A run's status (`queued`, `running`, `waiting`, `completed`, `failed`, `cancelled`), its output once completed, the error of each failed node, and the approvals it waits for. With `waitSeconds`, waits up to that long for the run to end first.",
  scopes: ["read"],
  readOnly: true,
  args: z.strictObject({
    runId: z.string().min(1).describe("The run's id (run_…)."),
    waitSeconds: WaitSeconds.default(0),
  }),
  call: (c, { runId, waitSeconds }) => runAnswer(c, runId, waitSeconds),
});
