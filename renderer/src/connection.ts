import { createClient, type PerchClient, type Transport } from '../../main/contract/client';
import { createWebSocketTransport, type ConnectionState } from '../../main/contract/ws-transport';

// One client, two transports: the preload bridge inside Electron, JSON-RPC over WebSocket in a
// browser. In a browser the dashboard signs in with the one-time link's code (exchanged for a
// session kept in localStorage) or with the gateway token pasted by the owner.

declare global {
  interface Window {
    perch?: {
      call(method: string, params?: unknown): Promise<unknown>;
      on(event: string, callback: (payload: unknown) => void): () => void;
    };
  }
}

const SESSION_KEY = 'perch.session';

export class LoginRequired extends Error {}

export interface Connection {
  client: PerchClient;
  close(): void;
}

export function takeLoginCode(): string | null {
  const match = /^#login=([\w-]+)$/.exec(window.location.hash);
  if (!match) return null;
  // The code is single-use: drop it from the address bar and history right away.
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  return match[1]!;
}

export function connect(options: { token?: string; loginCode?: string | null; onState: (state: ConnectionState, detail?: string) => void }): Connection {
  const bridge = window.perch;
  if (bridge) {
    const transport: Transport = { request: (method, params) => bridge.call(method, params), on: (event, cb) => bridge.on(event, cb) };
    options.onState('open');
    return { client: createClient(transport), close: () => undefined };
  }

  let loginCode = options.loginCode ?? null;
  let client: PerchClient | null = null;
  const transport = createWebSocketTransport({
    url: `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/rpc`,
    WebSocket: window.WebSocket as never,
    onState: options.onState,
    async onConnect(request) {
      if (loginCode) {
        const code = loginCode;
        loginCode = null;
        const { session } = (await request('auth.login', { code })) as { session: string };
        localStorage.setItem(SESSION_KEY, session);
      } else if (options.token) {
        await request('auth.token', { token: options.token });
      } else {
        const session = localStorage.getItem(SESSION_KEY);
        if (!session) throw new LoginRequired('Sign in with the link printed by `npm run serve`, or paste the gateway token.');
        try {
          await request('auth.token', { token: session });
        } catch {
          localStorage.removeItem(SESSION_KEY);
          throw new LoginRequired('Your dashboard session has expired. Sign in again.');
        }
      }
      await client?.resubscribe();
    },
  });
  client = createClient(transport);
  return { client, close: () => transport.close() };
}
