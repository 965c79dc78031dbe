/** Following a run live: the WebSocket feed, status lines and progress, the approval prompt. */
export { watchRun } from "./watch";
