// Who is signed in (GET /auth/me), shared by every page. `role` decides whether write
// buttons are shown; the server enforces it regardless.
import { createContext, useContext } from 'react';
import type { Me } from './api/types';

interface SessionState {
  me: Me | null;
  /** Re-read /auth/me (after sign-in). */
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionState>({ me: null, refresh: async () => {}, signOut: async () => {} });
export const useSession = (): SessionState => useContext(SessionContext);
export const useIsAdmin = (): boolean => useSession().me?.role === 'admin';
