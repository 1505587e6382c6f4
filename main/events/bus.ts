import { events, type EventName, type EventPayload } from '../contract/events';

// In-process publish/subscribe for contract events. Domains publish; the gateway (and later the
// IPC bridge and tray) fan them out. Payloads are checked against the contract when validating.

type Listener = (event: EventName, payload: unknown) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly validate = false) {}

  publish<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (this.validate) events[event].parse(payload);
    for (const listener of this.listeners) listener(event, payload);
  }

  /** Receives every event; returns an unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
