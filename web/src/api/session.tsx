import { createContext, type ReactNode, useContext } from "react";
import type { Client } from "./client";

/** The signed-in API key and the client that sends it. */
export interface Session {
  key: string;
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
