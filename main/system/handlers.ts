import type { Handlers } from '../gateway/router';
import type { Result } from '../contract/methods';

export type StatusSource = () => Result<'system.status'>;

export function systemHandlers(status: StatusSource): Handlers {
  return {
    'system.ping': () => ({ pong: true, time: Date.now() }),
    'system.status': () => status(),
  };
}
