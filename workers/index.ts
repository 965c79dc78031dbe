// First: @hono/zod-openapi adds `.openapi()` to zod schemas created after it loads (zod 4
// copies methods at construction), and the API names core's schemas (budget, patches, the
// workflow definition) with it. Loading it before anything else makes that order-independent.
import "@hono/zod-openapi";
import { app } from "./api/app";
import { runSchedules } from "./cron";
import { sweep } from "./lifecycle/sweep";
import { MCP_PATH, mcp } from "./mcp";
import { consume } from "./runner/consumer";

export { RunGate } from "../durable-objects/gate/RunGate";
export { RateLimiter } from "../durable-objects/limits/RateLimiter";
export { RunObject } from "../durable-objects/run/RunObject";

/**
 * One Worker: the API (and the web UI as static assets), the MCP server, the queue runner, the
 * RunObject. `/mcp` is not a REST route: it stays out of the API's app and its OpenAPI document.
 */
export default {
  fetch(request, env, ctx) {
    const target = new URL(request.url).pathname === MCP_PATH ? mcp : app;
    return target.fetch(request, env, ctx);
  },
  async queue(batch, env, _ctx) {
    await consume(batch, env);
  },
  async scheduled(controller, env, _ctx) {
    // Both every minute: a sweep that fails does not stop the schedules, nor the other way.
    const done = await Promise.allSettled([
      runSchedules(controller.scheduledTime, env),
      sweep(env, controller.scheduledTime),
    ]);
    const failed = done.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
  },
} satisfies ExportedHandler<Env>;
