import { useCallback, useEffect, useRef, useState } from "react";
import type { RunEvent } from "../../../core/wire/frames";
import { call, describeError } from "../api/client";
import { CLOSE_UNAUTHORIZED, subscribeRun } from "../api/run-socket";
import { useSession } from "../api/session";
import type { RunView } from "../api/types";
import { isRunOver } from "../flow/status";
import {
  appendDelta,
  applyEvents,
  fromSnapshot,
  type LiveRun,
  type LiveText,
  refreshesSnapshot,
} from "./run-state";

export type Connection = "connecting" | "live" | "reconnecting" | "offline";

/** Hears each batch of live events (one engine turn), in seq order, as the socket brings them. */
export type EventListener = (events: readonly RunEvent[]) => void;

/** How often a queued run's snapshot is read again, until it starts (ms). */
const QUEUED_REFRESH_MS = 2000;

/** Reconnect delays after a dropped socket; then it stays offline until reload. */
const RETRY_MS = [500, 1000, 2000, 4000, 8000];

/**
 * A run this large fetches its snapshot again at most this often (ms): each refetch carries
 * every node, and a big run finishes nodes faster than a snapshot can travel.
 */
const BIG_RUN_NODES = 500;
const BIG_RUN_REFRESH_MS = 2000;

/**
 * A run, live: the snapshot (`GET /api/runs/:id`), then the WebSocket from the snapshot's
 * `lastSeq` (resumed after the last seen seq on reconnect), and the node states the events give
 * on top of the snapshot. Only the events after the newest snapshot are held, and they are
 * folded in once per animation frame, so a run of 10,000 nodes costs work linear in what
 * changed; the event log itself is paged from the API by the timeline. The snapshot is fetched
 * again when an event brings something only it carries (outputs, approvals, patches), one
 * request at a time, and for a big run at most every `BIG_RUN_REFRESH_MS`. An agent's answer
 * streams in `delta` frames (live only: not replayed after a reconnect) into `streams`.
 * `listen` hands the live events to other views of the log (the waterfall) as they arrive.
 */
export function useRun(runId: string) {
  const { client } = useSession();
  const [view, setView] = useState<RunView | null>(null);
  const [live, setLive] = useState<LiveRun | null>(null);
  const [streams, setStreams] = useState<Record<string, LiveText>>({});
  const [error, setError] = useState<string | null>(null);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [reloads, setReloads] = useState(0);
  const listeners = useRef(new Set<EventListener>());
  const listen = useCallback((listener: EventListener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `reloads` restarts the subscription on demand.
  useEffect(() => {
    let disposed = false;
    let lastSeq = 0;
    let inFlight = false;
    let again = false;
    let unsubscribe: (() => void) | null = null;
    let retry = 0;
    let retryTimer: number | undefined;
    let refreshTimer: number | undefined;
    let frame: number | undefined;
    let over = false;
    // Events after the newest snapshot (rebuilt on top of each new one), and those not yet
    // folded into the live state.
    let snapshot: RunView | null = null;
    let tail: RunEvent[] = [];
    let unfolded: RunEvent[] = [];
    setStreams({});
    setView(null);
    setLive(null);
    setError(null);
    setConnection("connecting");

    const flush = () => {
      frame = undefined;
      const batch = unfolded;
      unfolded = [];
      if (snapshot && batch.length > 0) setLive((run) => (run ? applyEvents(run, batch) : run));
    };
    const receive = (event: RunEvent) => {
      tail.push(event);
      unfolded.push(event);
      frame ??= window.requestAnimationFrame(flush);
    };

    let queuedTimer: number | undefined;
    const fetchSnapshot = () => {
      if (inFlight || refreshTimer !== undefined) {
        again = true;
        return;
      }
      inFlight = true;
      again = false;
      call(client.api.runs[":id"].$get({ param: { id: runId } }))
        .then(
          (v) => {
            if (disposed) return;
            snapshot = v;
            tail = tail.filter((e) => e.seq > v.lastSeq);
            unfolded = [];
            setView(v);
            setLive(applyEvents(fromSnapshot(v), tail));
            setError(null);
            over = isRunOver(v.status);
            if (v.status === "queued") {
              // No object runs it yet (docs/FLOW-CONTROL.md): read again until it starts.
              queuedTimer = window.setTimeout(fetchSnapshot, QUEUED_REFRESH_MS);
              return;
            }
            if (!unsubscribe) {
              lastSeq = v.lastSeq;
              connect();
            }
          },
          (err: unknown) => {
            if (!disposed) setError(describeError(err));
          },
        )
        .finally(() => {
          inFlight = false;
          if (!again || disposed) return;
          if ((snapshot?.nodes.length ?? 0) <= BIG_RUN_NODES) {
            fetchSnapshot();
            return;
          }
          refreshTimer = window.setTimeout(() => {
            refreshTimer = undefined;
            fetchSnapshot();
          }, BIG_RUN_REFRESH_MS);
        });
    };

    const connect = () => {
      unsubscribe = subscribeRun(runId, lastSeq, {
        onFrame(frame) {
          switch (frame.type) {
            case "hello":
              retry = 0;
              setConnection("live");
              return;
            case "events": {
              // One frame is one turn of the engine: folded with the next animation frame.
              const fresh = frame.events.filter((e) => e.seq > lastSeq);
              if (fresh.length === 0) return;
              lastSeq = fresh[fresh.length - 1]!.seq;
              for (const event of fresh) receive(event);
              for (const listener of listeners.current) listener(fresh);
              if (fresh.some((e) => refreshesSnapshot(e.type))) fetchSnapshot();
              return;
            }
            case "delta":
              setStreams((s) => appendDelta(s, frame));
              return;
            case "pong":
              return;
            case "error":
              setError(`live updates: ${frame.message}`);
              return;
          }
        },
        onClosed(_reason, code) {
          if (disposed) return;
          if (code === CLOSE_UNAUTHORIZED) {
            // The key was revoked or the session expired: the next call answers 401, and the
            // client's handler returns the page to sign-in.
            setConnection("offline");
            fetchSnapshot();
            return;
          }
          if (over) {
            setConnection("offline");
            return;
          }
          const delay = RETRY_MS[retry++];
          if (delay === undefined) {
            setConnection("offline");
            return;
          }
          setConnection("reconnecting");
          retryTimer = window.setTimeout(connect, delay);
        },
        onBadFrame(message) {
          setError(`an unexpected message from the server: ${message}`);
        },
      });
    };

    // The socket opens once the first snapshot is in, after its `lastSeq`.
    fetchSnapshot();
    return () => {
      disposed = true;
      window.clearTimeout(retryTimer);
      window.clearTimeout(refreshTimer);
      window.clearTimeout(queuedTimer);
      if (frame !== undefined) window.cancelAnimationFrame(frame);
      unsubscribe?.();
    };
  }, [client, runId, reloads]);

  return {
    view,
    live,
    streams,
    error,
    connection,
    listen,
    reload: () => setReloads((n) => n + 1),
  };
}
