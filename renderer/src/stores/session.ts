import { create } from 'zustand';
import type { PerchClient } from '../../../main/contract/client';
import type { EventName, EventPayload } from '../../../main/contract/events';
import type { MethodName, ParamsIn, Result } from '../../../main/contract/methods';
import { connect, takeLoginCode, type Connection, type SignedOut } from '../connection';

// The dashboard's connection to Perch: one typed client over the preload bridge (Electron) or a
// WebSocket (browser). Every other store calls through it; a test puts a stand-in client here.

interface SessionState {
  connection: 'connecting' | 'authenticating' | 'open' | 'closed';
  /** Why the dashboard is signed out (when closed): an invitation, or a refusal to show as an error. */
  signedOut: SignedOut | null;
  /** A pasted token is being tried: the sign-in form stays up meanwhile (nothing resets). */
  signingIn: boolean;
  /** Counts sign-in attempts, so the form reacts to the same refusal twice. */
  attempt: number;
  client: PerchClient | null;
  /** Bumped on every (re)connection: pages reload what they show. */
  epoch: number;
  start(token?: string): void;
  /** For tests and the IPC stand-in: use this client as if connected. */
  useClient(client: PerchClient): void;
}

let current: Connection | null = null;
let generation = 0;

export const useSession = create<SessionState>((set, get) => ({
  connection: 'connecting',
  signedOut: null,
  signingIn: false,
  attempt: 0,
  client: null,
  epoch: 0,
  start(token) {
    const mine = ++generation;
    current?.close();
    set({ signingIn: Boolean(token), attempt: get().attempt + 1 });
    current = connect({
      ...(token ? { token } : {}),
      loginCode: takeLoginCode(),
      onState: (state, signedOut) => {
        if (mine !== generation) return; // a connection replaced by a newer attempt
        set({
          connection: state,
          signedOut: state === 'closed' ? (signedOut ?? null) : null,
          ...(state === 'open' || state === 'closed' ? { signingIn: false } : {}),
          ...(state === 'open' ? { epoch: get().epoch + 1 } : {}),
        });
      },
    });
    set({ client: current.client });
  },
  useClient(client) {
    set({ client, connection: 'open', signedOut: null, signingIn: false, epoch: get().epoch + 1 });
  },
}));

/** Calls a method through the session's client. */
export function call<M extends MethodName>(method: M, ...params: undefined extends ParamsIn<M> ? [params?: ParamsIn<M>] : [params: ParamsIn<M>]): Promise<Result<M>> {
  const client = useSession.getState().client;
  if (!client) return Promise.reject(new Error('Not connected to Perch.'));
  return client.call(method, ...params);
}

/** Listens to an event through the session's client; returns the unsubscribe function. */
export function listen<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  const client = useSession.getState().client;
  return client ? client.on(event, listener) : () => undefined;
}

export { messageOf, problemOf, type Problem } from '../problems';
