import { runCli } from "./program";

// Exit explicitly: a prompt or a socket may still hold the event loop open.
process.exit(await runCli(process.argv.slice(2)));
