import { createContext, type ReactNode, useContext } from "react";
import type { Client, OkBody } from "./client";

/** Who is signed in: the key behind the session cookie (`GET /api/sessions/current`). */
export type SignedIn = OkBody<Awaited<ReturnType<Client["api"]["sessions"]["current"]["$get"]>>>;

/** The signed-in session (never the key: the browser only holds an httpOnly cookie). */
export interface Session {
  who: SignedIn;
  client: Client;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside <SessionProvider>");
  return session;
}
