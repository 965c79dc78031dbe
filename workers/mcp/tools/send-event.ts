import { SendEvent } from "../../api/schemas/event";
import { sendEvent as send } from "../../api/services/event-send";
import { answer } from "../answers";
import { builtinTool } from "../tool";

export const sendEvent = builtinTool({
  name: "send_event",
  title: "Send an event",
  description:
    "Sends an event to the wait nodes waiting for it (as POST /api/events): without `runId`, every run of your workspace waiting on `name` (and `key`) takes it; with `runId`, that run only, which keeps it until it waits for it. `data` becomes the wait node's output. Answers where it went.",
  scopes: ["run"],
  readOnly: false,
  args: SendEvent,
  async call(c, event) {
    return answer(await send(c, event));
  },
});
