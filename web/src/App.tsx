import { useCallback, useMemo, useState } from "react";
import { createClient } from "./api/client";
import { forgetKey, loadKey, saveKey } from "./api/key-store";
import { type Session, SessionProvider } from "./api/session";
import { ApprovalsLink } from "./approvals/ApprovalsLink";
import { InboxPage } from "./approvals/InboxPage";
import { BuilderPage } from "./builder/BuilderPage";
import { WorkflowsPage } from "./builder/WorkflowsPage";
import { LoginPage } from "./login/LoginPage";
import { ReferencePage } from "./reference/ReferencePage";
import type { Route } from "./route";
import { RunListPage } from "./runs/RunListPage";
import { RunPage } from "./runs/RunPage";
import { SecretsPage } from "./secrets/SecretsPage";
import { StatusPage } from "./status/StatusPage";
import { Link } from "./ui/Link";
import { useRoute } from "./use-route";

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "workflows":
      return <WorkflowsPage />;
    case "builder":
      return <BuilderPage workflowId={route.workflowId} version={route.version} />;
    case "runs":
      return <RunListPage status={route.status} workflowId={route.workflowId} />;
    case "run":
      return <RunPage runId={route.runId} />;
    case "approvals":
      return <InboxPage />;
    case "secrets":
      return <SecretsPage />;
    case "status":
      return <StatusPage />;
    case "reference":
      return <ReferencePage />;
  }
}

/** Signs in with an API key, then shows the page of the URL under the navigation bar. */
export function App() {
  const [key, setKey] = useState(loadKey);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();
  const signOut = useCallback(() => {
    forgetKey();
    setKey(null);
  }, []);
  const session = useMemo((): Session | null => {
    if (!key) return null;
    const client = createClient(key, () => {
      setNotice("The API no longer accepts your key (revoked?). Sign in again.");
      signOut();
    });
    return { key, client, signOut };
  }, [key, signOut]);

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
        notice={notice}
        onSignedIn={(k) => {
          saveKey(k);
          setNotice(null);
          setKey(k);
        }}
      />
    );
  }
  const section =
    route.page === "builder" ? "workflows" : route.page === "run" ? "runs" : route.page;
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
            <ApprovalsLink current={section === "approvals"} route={route} />
            <Link to={{ page: "secrets" }} current={section === "secrets"}>
              Secrets
            </Link>
            <Link to={{ page: "status" }} current={section === "status"}>
              Status
            </Link>
            <Link to={{ page: "reference" }} current={section === "reference"}>
              API
            </Link>
          </nav>
          <span className="spacer" />
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
