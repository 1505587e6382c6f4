import { RpcError } from '../../main/contract/errors';
import { createClient, type PerchClient, type Transport } from '../../main/contract/client';
import { createWebSocketTransport, type ConnectionState } from '../../main/contract/ws-transport';

// One client, two transports: the preload bridge inside Electron, JSON-RPC over WebSocket in a
// browser. In a browser the dashboard signs in with the one-time link's code (exchanged for a
// session kept in localStorage) or with the gateway token pasted by the owner. A refused sign-in
// ends the connection with a sentence saying what to do; it is never retried by itself.

declare global {
  interface Window {
    perch?: {
      call(method: string, params?: unknown): Promise<unknown>;
      on(event: string, callback: (payload: unknown) => void): () => void;
    };
  }
}

const SESSION_KEY = 'perch.session';
const NEW_LINK = 'run `npm run login-link` where Perch runs';

export const SIGN_IN_SENTENCES = {
  signedOut: 'Open the one-time sign-in link that Perch printed when it started, or paste the gateway token.',
  wrongToken: 'That token is not right. Paste the gateway token again, or open a new sign-in link: run `npm run login-link`.',
  linkRefused: `This sign-in link is invalid, expired or already used. Open a new one: ${NEW_LINK} (or paste the gateway token).`,
  sessionEnded: `Your dashboard session has ended (it expired, or the gateway token was replaced). Paste the gateway token, or open a new sign-in link: ${NEW_LINK}.`,
  unreachable: 'Perch cannot be reached to sign in. Check that it is running, then try again.',
} as const;

/** Why the dashboard is signed out: a plain invitation, or a refusal to show as an error. */
export interface SignedOut {
  text: string;
  refused: boolean;
  details: string | null;
}

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

const codeOf = (error: unknown) => (error instanceof RpcError && typeof (error.data as { code?: unknown } | undefined)?.code === 'string' ? (error.data as { code: string }).code : null);

class Refusal extends Error {
  constructor(readonly signedOut: SignedOut) {
    super(signedOut.text);
  }
}

/** What a failed sign-in means for the person: a refused credential, or Perch out of reach. */
function refusal(error: unknown, refused: string): Refusal {
  const code = codeOf(error);
  const raw = error instanceof Error ? error.message : String(error);
  if (code === 'unauthorized' || code === 'login_code_invalid') return new Refusal({ text: refused, refused: true, details: null });
  return new Refusal({ text: SIGN_IN_SENTENCES.unreachable, refused: true, details: raw });
}

export function connect(options: { token?: string; loginCode?: string | null; onState: (state: ConnectionState, signedOut?: SignedOut) => void }): Connection {
  const bridge = window.perch;
  if (bridge) {
    const transport: Transport = { request: (method, params) => bridge.call(method, params), on: (event, cb) => bridge.on(event, cb) };
    options.onState('open');
    return { client: createClient(transport), close: () => undefined };
  }

  let loginCode = options.loginCode ?? null;
  let client: PerchClient | null = null;
  let why: SignedOut | null = null;
  const transport = createWebSocketTransport({
    url: `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/rpc`,
    WebSocket: window.WebSocket as never,
    onState: (state, detail) => {
      if (state !== 'closed') return options.onState(state);
      // Closed by the gateway (code 1008: credentials refused or replaced) or after a refused sign-in.
      options.onState('closed', why ?? { text: SIGN_IN_SENTENCES.sessionEnded, refused: true, details: detail ?? null });
    },
    async onConnect(request) {
      why = null;
      try {
        if (loginCode) {
          const code = loginCode;
          loginCode = null;
          try {
            const { session } = (await request('auth.login', { code })) as { session: string };
            localStorage.setItem(SESSION_KEY, session);
          } catch (error) {
            throw refusal(error, SIGN_IN_SENTENCES.linkRefused);
          }
        } else if (options.token) {
          await request('auth.token', { token: options.token }).catch((error: unknown) => {
            throw refusal(error, SIGN_IN_SENTENCES.wrongToken);
          });
        } else {
          const session = localStorage.getItem(SESSION_KEY);
          if (!session) throw new Refusal({ text: SIGN_IN_SENTENCES.signedOut, refused: false, details: null });
          await request('auth.token', { token: session }).catch((error: unknown) => {
            if (codeOf(error) === 'unauthorized') localStorage.removeItem(SESSION_KEY);
            throw refusal(error, SIGN_IN_SENTENCES.sessionEnded);
          });
        }
      } catch (error) {
        why = error instanceof Refusal ? error.signedOut : { text: SIGN_IN_SENTENCES.unreachable, refused: true, details: String(error) };
        throw error;
      }
      // Not awaited: it goes out once this connection is ready (awaiting it here would wait for
      // that very moment, forever, whenever something subscribed while connecting).
      void client?.resubscribe().catch(() => undefined);
    },
  });
  client = createClient(transport);
  return { client, close: () => transport.close() };
}
