import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { allows } from "../../core/people/roles";
import { ApiFailure, call, callNoContent, createClient, describeError } from "./api/client";
import { type Session, SessionProvider, type SignedIn } from "./api/session";
import { ApprovalsLink } from "./approvals/ApprovalsLink";
import { InboxPage } from "./approvals/InboxPage";
import { BuilderPage } from "./builder/BuilderPage";
import { WorkflowsPage } from "./builder/WorkflowsPage";
import { DecidePage } from "./decide/DecidePage";
import { LoginPage } from "./login/LoginPage";
import { McpServersPage } from "./mcp/McpServersPage";
import { NotificationsPage } from "./notifications/NotificationsPage";
import { AuditPage } from "./people/AuditPage";
import { UsersPage } from "./people/UsersPage";
import { ReferencePage } from "./reference/ReferencePage";
import type { Route } from "./route";
import { RunListPage } from "./runs/RunListPage";
import { RunPage } from "./runs/RunPage";
import { SecretsPage } from "./secrets/SecretsPage";
import { StatusPage } from "./status/StatusPage";
import { Link } from "./ui/Link";
import { Loading } from "./ui/notes";
import { useRoute } from "./use-route";
import "./app.css";

// A page few visits reach: its code loads when it is opened.
const ComparePage = lazy(() =>
  import("./compare/ComparePage").then((m) => ({ default: m.ComparePage })),
);
// The dashboard and its chart library (uPlot) load when it is opened.
const DashboardPage = lazy(() =>
  import("./dashboard/DashboardPage").then((m) => ({ default: m.DashboardPage })),
);

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "workflows":
      return <WorkflowsPage />;
    case "builder":
      return <BuilderPage workflowId={route.workflowId} version={route.version} />;
    case "runs":
      return (
        <RunListPage
          filter={{
            status: route.status,
            workflowId: route.workflowId,
            trigger: route.trigger ?? null,
            from: route.from ?? null,
            to: route.to ?? null,
          }}
        />
      );
    case "run":
      return <RunPage runId={route.runId} />;
    case "compare":
      return (
        <Suspense fallback={<Loading what="the comparison" />}>
          <ComparePage key={`${route.a}:${route.b}`} a={route.a} b={route.b} />
        </Suspense>
      );
    case "approvals":
      return <InboxPage whose={route.whose} />;
    case "secrets":
      return <SecretsPage />;
    case "notifications":
      return <NotificationsPage />;
    case "mcp-servers":
      return <McpServersPage />;
    case "users":
      return <UsersPage />;
    case "audit":
      return <AuditPage action={route.action} userId={route.userId} />;
    case "status":
      return <StatusPage />;
    case "dashboard":
      return (
        <Suspense fallback={<Loading what="the dashboard" />}>
          <DashboardPage
            filter={{ workflowId: route.workflowId, range: route.range, bucket: route.bucket }}
          />
        </Suspense>
      );
    case "reference":
      return <ReferencePage />;
    case "decide":
      return <DecidePage />;
  }
}

/**
 * Signs in with an API key (traded for a session cookie; the key is not kept), then shows the
 * page of the URL under the navigation bar. After a reload, `GET /api/sessions/current` says
 * whether the cookie still holds a session.
 */
export function App() {
  // undefined while asking the API whether this browser is signed in.
  const [who, setWho] = useState<SignedIn | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();
  // For the sign-in check and sign-out: a 401 there means "not signed in", not "lost it".
  const plain = useMemo(() => createClient(), []);
  useEffect(() => {
    let live = true;
    call(plain.api.sessions.current.$get()).then(
      (signedIn) => {
        if (live) setWho(signedIn);
      },
      (err: unknown) => {
        if (!live) return;
        setWho(null);
        if (!(err instanceof ApiFailure && err.status === 401)) {
          setNotice(`Cannot check whether you are signed in: ${describeError(err)}`);
        }
      },
    );
    return () => {
      live = false;
    };
  }, [plain]);
  const signOut = useCallback(() => {
    callNoContent(plain.api.sessions.current.$delete()).then(
      () => setNotice(null),
      (err: unknown) =>
        setNotice(`Signing out failed (${describeError(err)}); the session may still be active.`),
    );
    setWho(null);
  }, [plain]);
  const session = useMemo((): Session | null => {
    if (!who) return null;
    const client = createClient(() => {
      setNotice(
        "Your session has ended (signed out, expired, or the key was revoked). Sign in again.",
      );
      setWho(null);
    });
    return { who, client, signOut };
  }, [who, signOut]);

  // A decision link decides as its assignee, signed in or not.
  if (route.page === "decide") {
    return (
      <div className="app">
        <header className="topbar">
          <span className="brand">aob</span>
        </header>
        <DecidePage />
      </div>
    );
  }
  if (who === undefined) {
    return (
      <main className="login" aria-busy="true">
        <p className="help">Checking your session…</p>
      </main>
    );
  }
  if (!session) {
    // The API reference describes the API, not a tenant's data: readable before signing in.
    if (route.page === "reference") {
      return (
        <div className="app">
          <header className="topbar">
            <span className="brand">aob</span>
            <span className="spacer" />
            <Link to={{ page: "workflows" }}>Sign in</Link>
          </header>
          <main id="main" className="main">
            <ReferencePage />
          </main>
        </div>
      );
    }
    return (
      <LoginPage
        client={plain}
        notice={notice}
        onSignedIn={(signedIn) => {
          setNotice(null);
          setWho(signedIn);
        }}
      />
    );
  }
  const section =
    route.page === "builder"
      ? "workflows"
      : route.page === "run" || route.page === "compare"
        ? "runs"
        : route.page;
  return (
    <SessionProvider session={session}>
      <div className="app">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="topbar">
          <span className="brand">aob</span>
          <nav aria-label="Main">
            <Link to={{ page: "workflows" }} current={section === "workflows"}>
              Workflows
            </Link>
            <Link
              to={{ page: "runs", status: null, workflowId: null }}
              current={section === "runs"}
            >
              Runs
            </Link>
            <Link
              to={{ page: "dashboard", workflowId: null, range: "24h", bucket: null }}
              current={section === "dashboard"}
            >
              Dashboard
            </Link>
            <ApprovalsLink current={section === "approvals"} route={route} />
            <Link to={{ page: "secrets" }} current={section === "secrets"}>
              Secrets
            </Link>
            <Link to={{ page: "notifications" }} current={section === "notifications"}>
              Notifications
            </Link>
            <Link to={{ page: "mcp-servers" }} current={section === "mcp-servers"}>
              MCP servers
            </Link>
            <Link to={{ page: "users" }} current={section === "users"}>
              Users
            </Link>
            {allows(session.who.scopes, "admin") && (
              <Link
                to={{ page: "audit", action: null, userId: null }}
                current={section === "audit"}
              >
                Audit
              </Link>
            )}
            <Link to={{ page: "status" }} current={section === "status"}>
              Status
            </Link>
            <Link to={{ page: "reference" }} current={section === "reference"}>
              API
            </Link>
          </nav>
          <span className="spacer" />
          <span
            className="who"
            data-testid="signed-in-user"
            title={`Roles: ${session.who.user.roles.join(", ")}\nKey: ${session.who.keyName}\nTenant: ${session.who.tenantId}`}
          >
            {session.who.user.name}
          </span>
          <button type="button" className="small" onClick={signOut}>
            Sign out
          </button>
        </header>
        <main id="main" className="main">
          <Page route={route} />
        </main>
      </div>
    </SessionProvider>
  );
}
