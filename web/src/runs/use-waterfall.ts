import { useEffect, useState } from "react";
import type { RunEvent } from "../../../core/wire/frames";
import { describeError } from "../api/client";
import { useSession } from "../api/session";
import { eventPage } from "./event-pages";
import type { EventListener } from "./use-run";
import { EMPTY_WATERFALL, foldWaterfall, type Waterfall } from "./waterfall";

/** Events of one page of the log read for the waterfall (the API's most). */
const PAGE = 5000;
/** Events the waterfall folds at most: a longer log is cut there, and says so. */
export const WATERFALL_MAX_EVENTS = 100_000;

export interface WaterfallLog {
  waterfall: Waterfall;
  /** Still reading the log's pages. */
  loading: boolean;
  /** The log is longer than `WATERFALL_MAX_EVENTS`: the rest is not shown. */
  cut: boolean;
  error: string | null;
}

/**
 * A run's waterfall: its event log read page by page from the API (5,000 events a request),
 * folded as each page arrives, then kept up to date from the live events `listen` hands over
 * (the run view's socket), folded once per animation frame. When a live batch does not follow
 * on from what was folded (events came between), the log is read from there instead. Without
 * `listen` (a child run), the log is read again whenever `refresh` changes.
 */
export function useWaterfall(
  runId: string,
  listen?: (listener: EventListener) => () => void,
  refresh?: unknown,
): WaterfallLog {
  const { client } = useSession();
  const [log, setLog] = useState<WaterfallLog>({
    waterfall: EMPTY_WATERFALL,
    loading: true,
    cut: false,
    error: null,
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: `refresh` reads the log again on demand.
  useEffect(() => {
    let disposed = false;
    let w = EMPTY_WATERFALL;
    let fetching = false;
    let again = false;
    let error: string | null = null;
    let pending: RunEvent[] = [];
    let frame: number | undefined;
    const cut = () => w.seq >= WATERFALL_MAX_EVENTS;
    const publish = () => {
      if (!disposed) setLog({ waterfall: w, loading: fetching, cut: cut(), error });
    };

    /** Reads the log after what is folded, page by page, to its end (or the cap). */
    const catchUp = async () => {
      if (fetching) {
        again = true;
        return;
      }
      fetching = true;
      try {
        do {
          again = false;
          let after: number | null = w.seq;
          while (after !== null && !cut()) {
            const page = await eventPage(client, runId, after, PAGE);
            if (disposed) return;
            w = foldWaterfall(w, page.events);
            error = null;
            publish();
            after = page.next;
          }
        } while (again && !cut());
      } catch (err) {
        error = describeError(err);
      } finally {
        fetching = false;
        if (!disposed) {
          publish();
          drain();
        }
      }
    };

    /** Folds the live events that arrived since the last frame. */
    const drain = () => {
      frame = undefined;
      if (fetching || pending.length === 0) return;
      const batch = pending;
      pending = [];
      if (cut()) return;
      if (batch[0]!.seq > w.seq + 1) {
        // Events came between what was folded and this batch: they are in the log.
        void catchUp();
        return;
      }
      w = foldWaterfall(w, batch);
      publish();
    };

    const unlisten = listen?.((events) => {
      pending.push(...events);
      frame ??= window.requestAnimationFrame(drain);
    });
    void catchUp();
    return () => {
      disposed = true;
      unlisten?.();
      if (frame !== undefined) window.cancelAnimationFrame(frame);
    };
  }, [client, runId, listen, refresh]);

  return log;
}
