import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { AUDIT_ACTIONS, type AuditAction } from "../../../core/people/audit-actions";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import type { AuditEntry } from "../api/types";
import { formatTime } from "../ui/format";
import { EmptyState, ErrorNote, Loading } from "../ui/notes";
import { OptionalSelect } from "../ui/OptionalSelect";
import { PageHead } from "../ui/PageHead";
import { navigate } from "../use-route";
import { detailsText } from "./audit-details";
import { userNames } from "./names";
import { useUsers } from "./use-users";
import "./people.css";

const PAGE = 50;

interface Log {
  entries: AuditEntry[];
  /** Where the next page starts; null: the log has no more. */
  nextCursor: string | null;
  busy: boolean;
  error: string | null;
}

/** The log newest first, a page at a time; a new filter starts again from the newest. */
function useAuditLog(action: AuditAction | null, userId: string | null) {
  const { client } = useSession();
  const [log, setLog] = useState<Log>({ entries: [], nextCursor: null, busy: true, error: null });
  // Pages asked for under an older filter are dropped when they answer.
  const generation = useRef(0);
  const load = useCallback(
    async (cursor: string | null, fresh: boolean) => {
      const mine = fresh ? ++generation.current : generation.current;
      setLog((l) => ({ ...l, busy: true, error: null, ...(fresh ? { entries: [] } : {}) }));
      try {
        const query = {
          limit: String(PAGE),
          ...(action ? { action } : {}),
          ...(userId ? { userId } : {}),
          ...(cursor ? { cursor } : {}),
        };
        const page = await call(client.api.audit.$get({ query }));
        if (mine !== generation.current) return;
        setLog((l) => ({
          entries: fresh ? page.entries : [...l.entries, ...page.entries],
          nextCursor: page.nextCursor,
          busy: false,
          error: null,
        }));
      } catch (err) {
        if (mine !== generation.current) return;
        setLog((l) => ({ ...l, busy: false, error: describeError(err) }));
      }
    },
    [client, action, userId],
  );
  useEffect(() => {
    void load(null, true);
  }, [load]);
  return {
    ...log,
    more: () => void load(log.nextCursor, false),
    reload: () => void load(null, true),
  };
}

/**
 * The tenant's audit log (admins): who changed what, when and from where, newest first, filtered
 * by action and by user (in the URL), a page at a time.
 */
export function AuditPage({
  action,
  userId,
}: {
  action: AuditAction | null;
  userId: string | null;
}) {
  const log = useAuditLog(action, userId);
  const users = useUsers();
  const names = useMemo(() => userNames(users.data ?? []), [users.data]);
  return (
    <div className="page">
      <PageHead title="Audit log" onRefresh={log.reload} />
      <div className="audit-filters">
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <OptionalSelect
            id="audit-action"
            value={action}
            options={AUDIT_ACTIONS}
            none="any action"
            onChange={(a) => navigate({ page: "audit", action: a, userId })}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-user">User</label>
          <select
            id="audit-user"
            value={userId ?? ""}
            onChange={(e) => navigate({ page: "audit", action, userId: e.target.value || null })}
          >
            <option value="">anyone</option>
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
                {u.deletedAt === null ? "" : " (deleted)"}
              </option>
            ))}
            {userId && !names.has(userId) && <option value={userId}>{userId}</option>}
          </select>
        </div>
      </div>
      {log.error && (
        <ErrorNote title="Cannot read the audit log">
          {log.error} (the audit log is for admins).
        </ErrorNote>
      )}
      {log.busy && log.entries.length === 0 && <Loading what="the audit log" />}
      {!log.busy && !log.error && log.entries.length === 0 && (
        <EmptyState title="No entries">
          {action || userId
            ? "Nothing matches these filters."
            : "Changes people make through the API are listed here."}
        </EmptyState>
      )}
      {log.entries.length > 0 && (
        <table className="table audit">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Target</th>
              <th>Details</th>
              <th>From</th>
            </tr>
          </thead>
          <tbody>
            {log.entries.map((e) => (
              <tr key={e.id} data-action={e.action}>
                <td>{formatTime(e.at)}</td>
                <td title={e.actor.keyId ? `key ${e.actor.keyId}` : undefined}>{e.actor.name}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  {e.target.type} <code>{e.target.id}</code>
                </td>
                <td className="details">{detailsText(e.details, names)}</td>
                <td title={e.userAgent ?? undefined}>{e.ip ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {log.nextCursor !== null && (
        <button type="button" className="load-more" disabled={log.busy} onClick={log.more}>
          {log.busy ? "Loading…" : "Load more"}
        </button>
      )}
    </div>
  );
}
