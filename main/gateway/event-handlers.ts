import type { Handlers } from './router';

// Subscriptions belong to the connection: events reach only the sessions that asked for them.
export const eventHandlers: Handlers = {
  'events.subscribe': ({ events }, { session }) => {
    for (const event of events) session.subscriptions.add(event);
    return { subscribed: [...session.subscriptions] };
  },
  'events.unsubscribe': ({ events }, { session }) => {
    for (const event of events) session.subscriptions.delete(event);
    return { subscribed: [...session.subscriptions] };
  },
};
