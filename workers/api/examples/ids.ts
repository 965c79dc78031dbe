/** The ids and times the examples share, so one example's workflow is the next one's run's. */
export const WORKFLOW_ID = "wf_0mx8t9mbv20cz6nkuhd";
export const RUN_ID = "run_0mx8t9msj8a6k3shqb5";
export const REPLAY_ID = "run_0mx8t9q7oyvriadmhbu";
export const CANCELLED_RUN_ID = "run_0mx8t9p0ilkjllvhwmp";
/** 2026-12-04 09:58:34 UTC, in milliseconds since the Unix epoch like every time of the API. */
export const T0 = 1796378314315;
export const HASH = "3b61002618cfab18f3456b3f8aaff99bb722ae3b2cfe7d606ef334cc04742684";
export const OUTPUT_HASH = "2ad7557918f6a7419c6fc69e2da73ee22f03071d6d275426529e649a27b7574e";
