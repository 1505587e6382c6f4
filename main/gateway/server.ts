import http, { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { AppErrors, StandardErrors } from '../contract/errors';
import { MAX_BAD_CREDENTIALS } from '../auth/handlers';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import type { HealthRegistry } from '../system/health';
import { bearer, createHttpHandler, pathnameOf } from './http-routes';
import { chargeMalformed, frameError, handleFrame } from './jsonrpc';
import { LogThrottle } from './log-throttle';
import type { GatewayMetrics } from './metrics';
import { OriginPolicy } from './origin-policy';
import type { Router } from './router';
import { createSession, type Session } from './session';
import { SIGN_IN_LIMITS, SignInLane, type SignInLimits } from './sign-in-lane';

// The gateway: one HTTP server on 127.0.0.1:18789 carrying the JSON-RPC WebSocket at /rpc and
// the plain HTTP routes. It only frames and guards; all meaning is in the router.

export const MAX_FRAME_BYTES = 1024 * 1024;
export const AUTH_TIMEOUT_MS = 10_000;
// Past this, ws drops the connection outright (1009); up to it, an oversized frame only gets an
// error reply and the connection stays usable.
const HARD_FRAME_LIMIT = 16 * 1024 * 1024;
/** A client that does not read its replies is cut off before it can fill our memory. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** After a close frame, how long a peer gets to answer before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;
/** A connection cut off for abuse is read no more and gets only a moment for its close frame. */
const CUT_GRACE_MS = 100;
export const CONNECTION_LIMITS = { total: 256, unauthenticated: SIGN_IN_LIMITS.places };

export interface GatewayOptions {
  host: string;
  port: number;
  router: Router;
  bus: EventBus;
  health: HealthRegistry;
  metrics: GatewayMetrics;
  verifyCredential: (credential: string) => 'token' | 'session' | null;
  rateLimit: () => { perSecond: number; burst: number };
  staticDir: string | null;
  log: Logger;
  authTimeoutMs?: number;
  maxFrameBytes?: number;
  connectionLimits?: { total: number; unauthenticated: number };
  /** The lane for connections not signed in yet (tests lift its budget to fuzz what it answers). */
  signIn?: Partial<SignInLimits>;
}

export interface Gateway {
  readonly port: number;
  readonly url: string;
  readonly dashboardUrl: string;
  connectionCount(): number;
  close(): Promise<void>;
}

const frameBytes = (data: RawData): number =>
  Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { router, bus, metrics, log } = options;
  const authTimeoutMs = options.authTimeoutMs ?? AUTH_TIMEOUT_MS;
  const maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  const connectionLimits = options.connectionLimits ?? CONNECTION_LIMITS;
  let port = options.port;
  const policy = new OriginPolicy(options.host, () => port);
  const sockets = new Map<WebSocket, Session>();
  const closing = new Set<WebSocket>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const warnings = new LogThrottle();
  // A batch's replies share the frame limit; one reply alone may be larger (a long conversation's
  // page), up to what a peer would accept as one frame.
  const replyLimits = { batch: maxFrameBytes, single: HARD_FRAME_LIMIT };
  const signInLimits = { ...SIGN_IN_LIMITS, places: connectionLimits.unauthenticated, ...options.signIn };
  // Answer to a frame too large for a connection that has not signed in (built once: refusals stay cheap).
  const tooLargeBeforeSignIn = frameError(AppErrors.payload_too_large, `Before signing in, frames are at most ${signInLimits.maxFrameBytes} bytes`, {
    code: 'payload_too_large',
    limit: signInLimits.maxFrameBytes,
  });
  const lane = new SignInLane(signInLimits, authTimeoutMs, (ws, why) => {
    metrics.rejected.inc({ reason: why });
    cut(ws, 1008, why === 'idle' ? 'idle before signing in' : 'authentication timeout');
  });

  const server = http.createServer(
    createHttpHandler({
      health: options.health,
      metrics,
      policy,
      authorize: (credential) => options.verifyCredential(credential) !== null,
      staticDir: options.staticDir,
    }),
  );
  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_FRAME_LIMIT, perMessageDeflate: false, skipUTF8Validation: true });

  const refuse = (socket: Duplex, status: number, reason: string, metric: string) => {
    metrics.rejected.inc({ reason: metric });
    const throttled = warnings.pass(metric);
    if (throttled) log.warn('refused a WebSocket upgrade', { status, reason: metric, ...throttled });
    const body = `${reason}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };

  server.on('upgrade', (req, socket, head) => {
    // Node leaves an upgrading socket without an error listener: a peer reset must not crash us.
    socket.on('error', () => socket.destroy());
    if (pathnameOf(req) !== '/rpc') return refuse(socket, 404, 'WebSocket endpoint is /rpc', 'bad_path');
    if (!policy.hostAllowed(req.headers.host)) return refuse(socket, 403, 'unexpected Host header', 'bad_host');
    if (!policy.originAllowed(req.headers.origin, req.headers.host)) return refuse(socket, 403, 'Origin not allowed', 'bad_origin');
    const credential = bearer(req);
    const via = credential === null ? null : options.verifyCredential(credential);
    if (credential !== null && via === null) return refuse(socket, 401, 'invalid bearer token', 'bad_token');
    // Connections being closed do not count: a flood of them must not keep a signed-in client out.
    if (sockets.size - closing.size >= connectionLimits.total) return refuse(socket, 503, 'too many connections', 'connection_limit');
    // A full sign-in lane makes room by closing its oldest connection: the newcomer may be the owner.
    const evict = via ? null : lane.evictionCandidate();
    if (evict) {
      metrics.rejected.inc({ reason: 'sign_in_lane_full' });
      cut(evict, 1013, 'too many connections waiting to sign in');
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req.socket.remoteAddress, via));
  });

  /** Sends a close frame, ignores whatever still arrives, and destroys the socket after a grace. */
  const shut = (ws: WebSocket, code: number, reason: string, graceMs = CLOSE_GRACE_MS) => {
    if (closing.has(ws)) return;
    closing.add(ws);
    lane.leave(ws);
    ws.close(code, reason);
    setTimeout(() => ws.terminate(), graceMs).unref();
  };
  /** Closes a connection that misbehaved without reading another byte from it. */
  const cut = (ws: WebSocket, code: number, reason: string) => {
    shut(ws, code, reason, CUT_GRACE_MS);
    ws.pause();
  };

  /** Sends unless the peer stopped reading; a peer that did is cut off. */
  const send = (ws: WebSocket, text: string) => {
    if (ws.readyState !== WebSocket.OPEN || closing.has(ws)) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      metrics.rejected.inc({ reason: 'slow_consumer' });
      log.warn('closing a connection that does not read its replies', { conn: sockets.get(ws)?.id, buffered: ws.bufferedAmount });
      ws.terminate();
      return;
    }
    ws.send(text);
  };

  const onConnection = (ws: WebSocket, remote: string | undefined, via: 'token' | 'session' | null) => {
    const session = createSession('ws', options.rateLimit, remote);
    if (via) {
      session.authenticated = true;
      session.authVia = via;
    }
    sockets.set(ws, session);
    metrics.connections.inc();
    if (!session.authenticated) lane.enter(ws);

    const reply = (text: string | null) => {
      if (text !== null) send(ws, text);
    };

    let overBudget = false;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (overBudget || closing.has(ws)) return;
      if (!session.authenticated) {
        // Charged before anything reads the frame. Past the budget the socket is no longer read;
        // it is closed once the replies already owed have gone out.
        const admitted = lane.admit(ws, frameBytes(data));
        if (admitted === 'over_budget') {
          overBudget = true;
          metrics.rejected.inc({ reason: 'sign_in_budget' });
          lane.leave(ws);
          ws.pause();
          return void setImmediate(() => cut(ws, 1008, 'too many frames before signing in'));
        }
        if (admitted === 'too_large') return reply(tooLargeBeforeSignIn);
      }
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
      if (isBinary) {
        metrics.rejected.inc({ reason: 'binary_frame' });
        return reply(
          chargeMalformed(session, () =>
            frameError(StandardErrors.INVALID_REQUEST, 'Invalid Request: binary frames are not accepted; send JSON as text', { code: 'binary_frame' }),
          ),
        );
      }
      if (bytes.length > maxFrameBytes) {
        metrics.rejected.inc({ reason: 'frame_too_large' });
        return reply(
          chargeMalformed(session, () =>
            frameError(AppErrors.payload_too_large, `Frame of ${bytes.length} bytes exceeds the ${maxFrameBytes}-byte limit`, {
              code: 'payload_too_large',
              limit: maxFrameBytes,
            }),
          ),
        );
      }
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch {
        return reply(chargeMalformed(session, () => frameError(StandardErrors.PARSE_ERROR, 'Parse error: the frame is not valid UTF-8', { code: 'parse_error' })));
      }
      handleFrame(router, session, text, replyLimits).then(
        (text) => {
          reply(text);
          if (session.authenticated) lane.leave(ws);
          if (!session.authenticated && session.badCredentials >= MAX_BAD_CREDENTIALS) {
            metrics.rejected.inc({ reason: 'too_many_bad_tokens' });
            cut(ws, 1008, 'too many invalid credentials');
          }
        },
        (error: Error) => log.error('frame handling failed', { conn: session.id, error }),
      );
    });
    ws.on('error', (error) => log.debug('websocket error', { conn: session.id, error: error.message }));
    ws.on('close', () => {
      lane.leave(ws);
      sockets.delete(ws);
      closing.delete(ws);
      metrics.connections.dec();
    });
  };

  // The token was replaced: connections signed in with the old token or a (now deleted) dashboard
  // session stop at once, instead of keeping their access (and their events) until they close.
  // The connection that replaced it keeps going: it has just been given the new token.
  const stopRevocations = router.onCredentialsRevoked((keep) => {
    let ended = 0;
    for (const [ws, session] of sockets) {
      if (session === keep || !session.authenticated || (session.authVia !== 'token' && session.authVia !== 'session')) continue;
      session.authenticated = false;
      session.subscriptions.clear();
      metrics.rejected.inc({ reason: 'credentials_revoked' });
      shut(ws, 1008, 'the gateway token was replaced: sign in again');
      ended++;
    }
    return ended;
  });

  const unsubscribe = bus.subscribe((event, payload) => {
    let frame: string | undefined;
    for (const [ws, session] of sockets) {
      if (!session.authenticated || !session.subscriptions.has(event)) continue;
      frame ??= JSON.stringify({ jsonrpc: '2.0', method: event, params: payload });
      send(ws, frame);
    }
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`The gateway port ${options.port} on ${options.host} is already in use. Quit what uses it, or set PERCH_GATEWAY_PORT.`)
          : error,
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options.port, options.host);
  });
  port = (server.address() as { port: number }).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    port,
    url: `ws://${hostForUrl}:${port}/rpc`,
    dashboardUrl: `http://${hostForUrl}:${port}/`,
    connectionCount: () => sockets.size,
    async close() {
      unsubscribe();
      stopRevocations();
      // Peers get a close frame and a short grace; one that ignores it cannot hold up shutdown.
      for (const ws of sockets.keys()) shut(ws, 1001, 'Perch is shutting down');
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
