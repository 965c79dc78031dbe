/**
 * The watcher (WebSocket client, views, prompt) loads only when a command follows a run: most
 * commands never need it, and every command pays its load time at start-up otherwise.
 */
export async function loadWatch() {
  return (await import("../watch")).watchRun;
}
