import { z } from "zod";

/**
 * How long a tool waits for a run to end before it answers the run as it is. A workflow tool
 * waits DEFAULT_WAIT_SECONDS unless its call says otherwise (`_meta["aob/waitSeconds"]`);
 * `start_run` and `get_run` wait only when asked (`waitSeconds`). Never more than
 * MAX_WAIT_SECONDS: MCP clients give up on a request after 60 s by default.
 */
export const DEFAULT_WAIT_SECONDS = 25;
export const MAX_WAIT_SECONDS = 50;

/** The `_meta` key of a call that sets a workflow tool's wait. */
export const WAIT_META = "aob/waitSeconds";

/** Seconds to wait for the run to end, 0 to answer at once. */
export const WaitSeconds = z
  .number()
  .min(0)
  .max(MAX_WAIT_SECONDS)
  .describe(
    `Seconds to wait for the run to end before answering (0 to ${MAX_WAIT_SECONDS}); a run still going is answered with its status, to ask again with get_run.`,
  );
