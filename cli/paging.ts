import type { Command } from "commander";
import { everyPage, type Page } from "../core/wire/cursor";
import { warn } from "./output";

export { everyPage };

/** The `--cursor` / `--all` options of a list command: one page, or all of them. */
export interface PageOptions {
  cursor?: string;
  all?: boolean;
}

/**
 * The page a list command asked for (`--cursor`), or every page (`--all`); after one page with
 * more to come, says how to get the next (on stderr, so `--json` output stays one document).
 */
export async function pagesAsked<T>(
  opts: PageOptions,
  command: string,
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<Page<T>> {
  if (opts.all) return { items: await everyPage(fetchPage), nextCursor: null };
  const page = await fetchPage(opts.cursor);
  if (page.nextCursor) warn(`more: ${command} --cursor ${page.nextCursor} (or --all)`);
  return page;
}

/** Adds `--cursor` and `--all` to a list command. */
export function withPaging(command: Command): Command {
  return command
    .option("--cursor <cursor>", "the page after the one that printed this cursor")
    .option("--all", "every page, to the end of the list");
}
