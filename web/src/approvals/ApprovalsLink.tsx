import { useEffect } from "react";
import { call } from "../api/client";
import { useSession } from "../api/session";
import { formatRoute, type Route } from "../route";
import { APPROVALS_CHANGED } from "../runs/ApprovalCard";
import { Link } from "../ui/Link";
import { useAsync } from "../ui/use-async";
import "./approvals.css";

/**
 * The nav link to the inbox, with the number of approvals waiting for the signed-in user
 * (refreshed on navigation and after a decision).
 */
export function ApprovalsLink({ current, route }: { current: boolean; route: Route }) {
  const { client } = useSession();
  const pending = useAsync(
    async () =>
      (await call(client.api.approvals.$get({ query: { status: "pending", for: "me" } }))).approvals
        .length,
    [client, formatRoute(route)],
  );
  const { reload } = pending;
  useEffect(() => {
    window.addEventListener(APPROVALS_CHANGED, reload);
    return () => window.removeEventListener(APPROVALS_CHANGED, reload);
  }, [reload]);
  const n = pending.data ?? 0;
  return (
    <Link to={{ page: "approvals", whose: "me" }} current={current}>
      Approvals
      {n > 0 && (
        <span className="count">
          {n}
          <span className="sr-only"> waiting for you</span>
        </span>
      )}
    </Link>
  );
}
