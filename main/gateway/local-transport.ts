import { RpcError } from '../contract/errors';
import type { Transport } from '../contract/client';
import type { EventBus } from '../events/bus';
import type { Router } from './router';
import type { Session } from './session';

/**
 * An in-process transport into the router, with an already-trusted session: the Electron IPC
 * bridge (after checking the sender) and tests use it. Same validation and rate limit as the
 * gateway; events reach it only for what the session subscribed to.
 */
export function createLocalTransport(router: Router, bus: EventBus, session: Session): Transport & { close(): void } {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const unsubscribe = bus.subscribe((event, payload) => {
    if (!session.subscriptions.has(event)) return;
    // Structured clone, as across IPC: a listener can never mutate the publisher's object.
    for (const listener of listeners.get(event) ?? []) listener(structuredClone(payload));
  });
  return {
    async request(method, params) {
      try {
        return structuredClone(await router.call(session, method, structuredClone(params)));
      } catch (error) {
        throw error instanceof RpcError ? error : new RpcError(-32603, 'Internal error');
      }
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => void set.delete(listener);
    },
    close: unsubscribe,
  };
}
