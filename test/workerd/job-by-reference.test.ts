import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { poll } from "../support/poll";
import { createWorkflow, type RunBody, startRun, waitForRun } from "./helpers";

const fixture = inject("fixtureUrl");

/**
 * A queue message holds at most 128 KB (Cloudflare Queues): a job whose rendered config is
 * larger travels by reference, written to R2 before it is sent and read back by the runner.
 */
describe("jobs larger than a queue message", () => {
  it("sends a 360 KB request body rendered from the run input, byte for byte", async () => {
    // Three strings of 60,000 "ü" (an input string holds at most 100,000 characters): 360 KB.
    const parts = Array.from({ length: 3 }, () => "ü".repeat(60_000));
    const id = await createWorkflow({
      name: "big body",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "post",
          type: "http",
          config: {
            method: "POST",
            url: `${fixture}/echo/big-job`,
            body: { parts: "{{ input.parts }}" },
            mode: "queued",
          },
        },
        {
          id: "done",
          type: "end",
          config: { output: "{{ nodes.post.output.body.body.parts = input.parts }}" },
        },
      ],
      edges: [
        { from: "start", to: "post" },
        { from: "post", to: "done" },
      ],
    });
    const runId = await startRun(id, { parts });
    const run: RunBody = await waitForRun(runId);
    expect(run.status).toBe("completed");
    // The server received the very strings the run was given.
    expect(run.output).toBe(true);
    // Once its run accepted the result, the runner deletes the job it kept in R2 (after the
    // report, so the test may see the run end first).
    await poll(
      "the job kept in R2 to be deleted",
      () => env.BLOBS.list({ prefix: `jobs/${runId}/` }),
      (left) => left.objects.length === 0,
      { show: (left) => left.objects.map((o) => o.key).join(", ") },
    );
  });
});
