import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";

/** Ctrl-C at a prompt ends the CLI the conventional way (exit 130), not a paused stdin. */
function interruptible(muted: boolean) {
  const rl = createInterface({
    input: process.stdin,
    output: muted ? new Writable({ write: (_chunk, _enc, done) => done() }) : process.stdout,
    terminal: true,
  });
  rl.on("SIGINT", () => {
    rl.close();
    process.stdout.write("\n");
    process.exit(130);
  });
  return rl;
}

/** Asks one question on the terminal and returns the trimmed answer. */
export async function ask(question: string): Promise<string> {
  const rl = interruptible(false);
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Like `ask`, without echoing what is typed (API keys). */
export async function askSecret(question: string): Promise<string> {
  process.stdout.write(question);
  const rl = interruptible(true);
  try {
    return (await rl.question("")).trim();
  } finally {
    rl.close();
    process.stdout.write("\n");
  }
}
