import type { EventName } from '../contract/events';
import { TokenBucket } from './token-bucket';

/** One caller's connection: a WebSocket, the Electron IPC bridge, or an in-process client. */
export interface Session {
  readonly id: string;
  readonly transport: 'ws' | 'ipc' | 'local';
  readonly remote: string | undefined;
  authenticated: boolean;
  authVia: 'token' | 'session' | 'ipc' | null;
  badCredentials: number;
  readonly bucket: TokenBucket;
  readonly subscriptions: Set<EventName>;
}

let counter = 0;

export function createSession(
  transport: Session['transport'],
  limits: () => { perSecond: number; burst: number },
  remote?: string,
): Session {
  return {
    id: `${transport}${++counter}`,
    transport,
    remote,
    authenticated: false,
    authVia: null,
    badCredentials: 0,
    bucket: new TokenBucket(limits),
    subscriptions: new Set(),
  };
}
