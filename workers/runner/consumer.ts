import { NodeJob } from "../../core/wire/node-job";

/** The queue consumer: executes I/O nodes and reports results to their RunObjects. */
export async function consume(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const job = NodeJob.safeParse(message.body);
    if (!job.success) {
      console.error(JSON.stringify({ at: "runner", error: "malformed job", id: message.id }));
      message.ack();
      continue;
    }
    if (job.data.type === "ping") message.ack();
  }
  void env;
}
