import { RpcError } from './errors';
import { events, type EventName, type EventPayload } from './events';
import { methods, type MethodName, type ParamsIn, type Result } from './methods';

/** How a client reaches the router: the preload bridge, a WebSocket, or in-process. */
export interface Transport {
  /** Resolves with the method's raw result; rejects with an RpcError. */
  request(method: string, params: unknown): Promise<unknown>;
  /** Delivers one server event's payloads (once the server sends them). Returns an unsubscribe function. */
  on(event: string, listener: (payload: unknown) => void): () => void;
}

type ParamsArg<M extends MethodName> = undefined extends ParamsIn<M> ? [params?: ParamsIn<M>] : [params: ParamsIn<M>];

export interface PerchClient {
  call<M extends MethodName>(method: M, ...params: ParamsArg<M>): Promise<Result<M>>;
  /** Subscribes on the server on first use of an event; the returned function unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Re-sends the server subscriptions (after a reconnect). */
  resubscribe(): Promise<void>;
}

export function createClient(transport: Transport): PerchClient {
  const listeners = new Map<EventName, { callbacks: Set<(payload: unknown) => void>; detach: () => void }>();

  const deliver = (event: EventName) => (payload: unknown) => {
    const parsed = events[event].safeParse(payload);
    if (!parsed.success) return; // a payload that breaks the contract is dropped, never half-used
    for (const callback of listeners.get(event)?.callbacks ?? []) callback(parsed.data);
  };

  const call = async <M extends MethodName>(method: M, ...args: ParamsArg<M>): Promise<Result<M>> => {
    const raw = await transport.request(method, args[0] ?? {});
    const parsed = methods[method].result.safeParse(raw);
    if (!parsed.success) {
      throw new RpcError(-32603, `${method} returned a result that does not match the contract`, { code: 'bad_result' });
    }
    return parsed.data as Result<M>;
  };

  return {
    call,
    on(event, listener) {
      let entry = listeners.get(event);
      if (!entry) {
        entry = { callbacks: new Set(), detach: transport.on(event, deliver(event)) };
        listeners.set(event, entry);
        transport.request('events.subscribe', { events: [event] }).catch(() => undefined);
      }
      entry.callbacks.add(listener as (payload: unknown) => void);
      return () => {
        const current = listeners.get(event);
        if (!current?.callbacks.delete(listener as (payload: unknown) => void) || current.callbacks.size > 0) return;
        current.detach();
        listeners.delete(event);
        transport.request('events.unsubscribe', { events: [event] }).catch(() => undefined);
      };
    },
    async resubscribe() {
      const names = [...listeners.keys()];
      if (names.length > 0) await transport.request('events.subscribe', { events: names });
    },
  };
}
