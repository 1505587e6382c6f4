import { AppErrors, RpcError, type RpcErrorObject } from './errors';
import type { Transport } from './client';

// JSON-RPC 2.0 over a WebSocket, for the browser dashboard and for scripts. Generic over the
// WebSocket implementation (the browser's, or `ws` under Node) so the contract stays Node-free.

interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type ConnectionState = 'connecting' | 'authenticating' | 'open' | 'closed';

export interface WebSocketTransportOptions {
  url: string;
  WebSocket: new (url: string) => SocketLike;
  /** Runs after every (re)connect before queued calls go out, e.g. `auth.token`. */
  onConnect?: (request: (method: string, params: unknown) => Promise<unknown>) => Promise<void>;
  onState?: (state: ConnectionState, detail?: string) => void;
  /** Reconnect with capped backoff after the connection drops (default true). */
  reconnect?: boolean;
}

export interface WebSocketTransport extends Transport {
  close(): void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: RpcError) => void;
}

export function createWebSocketTransport(options: WebSocketTransportOptions): WebSocketTransport {
  const pending = new Map<number, Pending>();
  const queue: Array<() => void> = [];
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  let socket: SocketLike | null = null;
  let nextId = 1;
  let ready = false;
  let closedByUser = false;
  let closeReason: string | null = null;
  let attempt = 0;

  const setState = (state: ConnectionState, detail?: string) => options.onState?.(state, detail);

  const sendNow = (method: string, params: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket!.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });

  const onMessage = (data: unknown) => {
    let message: { id?: unknown; result?: unknown; error?: RpcErrorObject; method?: unknown; params?: unknown };
    try {
      message = JSON.parse(String(data));
    } catch {
      return;
    }
    if (typeof message.method === 'string' && message.id === undefined) {
      for (const listener of eventListeners.get(message.method) ?? []) listener(message.params);
      return;
    }
    if (typeof message.id !== 'number') return;
    const entry = pending.get(message.id);
    if (!entry) return;
    pending.delete(message.id);
    if (message.error) entry.reject(new RpcError(message.error.code, message.error.message, message.error.data));
    else entry.resolve(message.result);
  };

  const connect = () => {
    setState('connecting');
    const ws = new options.WebSocket(options.url);
    socket = ws;
    ws.onmessage = (ev) => onMessage(ev.data);
    ws.onopen = async () => {
      attempt = 0;
      setState('authenticating');
      try {
        await options.onConnect?.(sendNow);
      } catch (error) {
        closeReason = error instanceof Error ? error.message : String(error);
        closedByUser = true; // a refused login will not get better by retrying
        ws.close(1000);
        return;
      }
      ready = true;
      setState('open');
      for (const run of queue.splice(0)) run();
    };
    ws.onerror = () => undefined; // onclose follows and carries the outcome
    ws.onclose = (ev) => {
      ready = false;
      for (const [id, entry] of pending) {
        pending.delete(id);
        entry.reject(new RpcError(AppErrors.connection_closed, 'the connection to Perch closed', { code: 'connection_closed' }));
      }
      // 1008: the gateway refused this connection's credentials (a bad token, a replaced token,
      // no sign-in in time): reconnecting with the same ones would only loop.
      if (ev.code === 1008) closedByUser = true;
      if (closedByUser || options.reconnect === false) {
        for (const run of queue.splice(0)) run();
        setState('closed', closeReason ?? (ev.reason || `the connection closed (${ev.code})`));
        return;
      }
      const delay = Math.min(10_000, 250 * 2 ** attempt++) * (0.75 + Math.random() * 0.5);
      setState('connecting', `reconnecting in ${Math.round(delay / 100) / 10} s`);
      setTimeout(connect, delay);
    };
  };

  connect();

  return {
    request(method, params) {
      if (ready && socket) return sendNow(method, params);
      if (closedByUser) {
        return Promise.reject(new RpcError(AppErrors.connection_closed, 'the connection to Perch is closed', { code: 'connection_closed' }));
      }
      return new Promise((resolve, reject) => {
        queue.push(() => (ready ? sendNow(method, params).then(resolve, reject) : reject(new RpcError(AppErrors.connection_closed, 'the connection to Perch is closed', { code: 'connection_closed' }))));
      });
    },
    on(event, listener) {
      let set = eventListeners.get(event);
      if (!set) eventListeners.set(event, (set = new Set()));
      set.add(listener);
      return () => void set.delete(listener);
    },
    close() {
      closedByUser = true;
      socket?.close(1000);
    },
  };
}
