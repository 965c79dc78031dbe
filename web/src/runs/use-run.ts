import { useEffect, useMemo, useState } from "react";
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

/** Reconnect delays after a dropped socket; then it stays offline until reload. */
const RETRY_MS = [500, 1000, 2000, 4000, 8000];

/**
 * A run, live: the snapshot (`GET /api/runs/:id`), every event from the WebSocket (from seq 0,
 * for the timeline; resumed after the last seen seq on reconnect), and the node states the
 * events give on top of the snapshot. The snapshot is fetched again when an event brings
 * something only it carries (outputs, approvals, patches), one request at a time. An agent's
 * answer streams in `delta` frames (live only: not replayed after a reconnect) into `streams`.
 */
export function useRun(runId: string) {
  const { client } = useSession();
  const [view, setView] = useState<RunView | null>(null);
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [streams, setStreams] = useState<Record<string, LiveText>>({});
  const [error, setError] = useState<string | null>(null);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [reloads, setReloads] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `reloads` restarts the subscription on demand.
  useEffect(() => {
    let disposed = false;
    let lastSeq = 0;
    let inFlight = false;
    let again = false;
    let unsubscribe: (() => void) | null = null;
    let retry = 0;
    let retryTimer: number | undefined;
    let over = false;
    setEvents([]);
    setStreams({});
    setView(null);
    setError(null);
    setConnection("connecting");

    const fetchSnapshot = () => {
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      call(client.api.runs[":id"].$get({ param: { id: runId } }))
        .then(
          (v) => {
            if (disposed) return;
            setView(v);
            setError(null);
            over = isRunOver(v.status);
          },
          (err: unknown) => {
            if (!disposed) setError(describeError(err));
          },
        )
        .finally(() => {
          inFlight = false;
          if (again && !disposed) {
            again = false;
            fetchSnapshot();
          }
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
              // One frame is one turn of the engine: one state update, one snapshot at most.
              const fresh = frame.events.filter((e) => e.seq > lastSeq);
              if (fresh.length === 0) return;
              lastSeq = fresh[fresh.length - 1]!.seq;
              setEvents((list) => [...list, ...fresh]);
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

    fetchSnapshot();
    connect();
    return () => {
      disposed = true;
      window.clearTimeout(retryTimer);
      unsubscribe?.();
    };
  }, [client, runId, reloads]);

  const live: LiveRun | null = useMemo(
    () => (view ? applyEvents(fromSnapshot(view), events) : null),
    [view, events],
  );
  return {
    view,
    live,
    events,
    streams,
    error,
    connection,
    reload: () => setReloads((n) => n + 1),
  };
}
