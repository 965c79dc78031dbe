import { app } from "./api/app";
import { runSchedules } from "./cron";
import { consume } from "./runner/consumer";

export { RateLimiter } from "../durable-objects/limits/RateLimiter";
export { RunObject } from "../durable-objects/run/RunObject";

/** One Worker: the API (and the web UI as static assets), the queue runner, the RunObject. */
export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await consume(batch, env);
  },
  async scheduled(controller, env, _ctx) {
    await runSchedules(controller.scheduledTime, env);
  },
} satisfies ExportedHandler<Env>;
