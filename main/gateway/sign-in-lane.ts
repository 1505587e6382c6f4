import type { WebSocket } from 'ws';
import { TokenBucket } from './token-bucket';

// Connections that have not signed in yet wait in a lane of their own: a strict frame budget per
// connection, a short idle timeout, the auth deadline, and a fixed number of places. A full lane
// makes room by closing its oldest occupant instead of refusing the newcomer, so a real sign-in
// (a browser dashboard connects first, then logs in) always gets a place however many idle
// sockets another local process holds open. Signed-in connections never count against it.

export interface SignInLimits {
  /** Connections waiting to sign in at once; a newcomer past this closes the oldest one. */
  places: number;
  /** Frames a waiting connection may send: a burst, then a few per second. Past it, it is closed. */
  burst: number;
  perSecond: number;
  /** The largest frame it may send: auth.token and auth.login are small. */
  maxFrameBytes: number;
  /** A waiting connection that sends nothing for this long is closed. */
  idleMs: number;
}

export const SIGN_IN_LIMITS: SignInLimits = { places: 32, burst: 20, perSecond: 5, maxFrameBytes: 16 * 1024, idleMs: 3_000 };

export type Expiry = 'idle' | 'auth_timeout';
export type Admission = 'ok' | 'over_budget' | 'too_large';

interface Waiting {
  bucket: TokenBucket;
  idle: NodeJS.Timeout;
  deadline: NodeJS.Timeout;
}

export class SignInLane {
  private readonly waiting = new Map<WebSocket, Waiting>();

  constructor(
    private readonly limits: SignInLimits,
    private readonly authTimeoutMs: number,
    private readonly expire: (ws: WebSocket, why: Expiry) => void,
  ) {}

  /** The connection to close to make room for a newcomer (the oldest), or null when there is room. */
  evictionCandidate(): WebSocket | null {
    if (this.waiting.size < this.limits.places) return null;
    return this.waiting.keys().next().value ?? null;
  }

  enter(ws: WebSocket): void {
    const idle = setTimeout(() => this.expire(ws, 'idle'), this.limits.idleMs);
    const deadline = setTimeout(() => this.expire(ws, 'auth_timeout'), this.authTimeoutMs);
    idle.unref();
    deadline.unref();
    this.waiting.set(ws, { bucket: new TokenBucket(() => this.limits), idle, deadline });
  }

  /** Charges one frame before anything reads it; only 'ok' frames go on to be decoded and parsed. */
  admit(ws: WebSocket, bytes: number): Admission {
    const entry = this.waiting.get(ws);
    // Not waiting and not signed in: it is being closed (a revoked credential); read nothing more.
    if (!entry) return 'over_budget';
    if (entry.bucket.take() > 0) return 'over_budget';
    entry.idle.refresh();
    return bytes > this.limits.maxFrameBytes ? 'too_large' : 'ok';
  }

  /** Signed in, closed or being closed: the place is free again. */
  leave(ws: WebSocket): void {
    const entry = this.waiting.get(ws);
    if (!entry) return;
    clearTimeout(entry.idle);
    clearTimeout(entry.deadline);
    this.waiting.delete(ws);
  }
}
