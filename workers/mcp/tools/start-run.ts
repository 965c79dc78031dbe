import { z } from "zod";
import { StartRunBody } from "../../api/schemas/run";
import { startWorkflowRun } from "../../api/services/start-run";
import { answer } from "../answers";
import { runAnswer } from "../run-answer";
import { builtinTool } from "../tool";
import { WaitSeconds } from "../wait";

export const startRun = builtinTool({
  name: "start_run",
  title: "Start a run",
  description:
    "Starts a run of a workflow (its id from list_workflows) with an input, and answers the run's id and status (`running`, or `queued` behind the workflow's concurrency limit). With `waitSeconds`, waits up to that long for the run to end and answers its output too. Rate-limited like every start.",
  scopes: ["run"],
  readOnly: false,
  args: StartRunBody.extend({
    workflowId: z.string().min(1).describe("The workflow's id (wf_…)."),
    waitSeconds: WaitSeconds.default(0),
  }),
  async call(c, { waitSeconds, ...start }) {
    const started = await startWorkflowRun(c, start);
    if (waitSeconds === 0 || started.status === "queued") return answer(started);
    return runAnswer(c, started.runId, waitSeconds);
  },
});
