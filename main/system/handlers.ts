import { readLogTail } from '../log/log-tail';
import type { Handlers } from '../gateway/router';
import type { Result } from '../contract/methods';

export type StatusSource = () => Result<'system.status'>;

export function systemHandlers(status: StatusSource, logFile: string | null): Handlers {
  return {
    'system.ping': () => ({ pong: true, time: Date.now() }),
    'system.status': () => status(),
    'system.logs': ({ lines, level }) => ({ file: logFile, items: readLogTail(logFile, lines, level) }),
  };
}
