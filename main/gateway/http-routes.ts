import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';
import type { HealthRegistry } from '../system/health';
import type { GatewayMetrics } from './metrics';
import type { OriginPolicy } from './origin-policy';

// Plain HTTP on the gateway's port: liveness, readiness, Prometheus metrics (token required) and
// the dashboard's static files.

export interface HttpRoutesOptions {
  health: HealthRegistry;
  metrics: GatewayMetrics;
  policy: OriginPolicy;
  /** Checks an `Authorization: Bearer …` credential. */
  authorize: (credential: string) => boolean;
  staticDir: string | null;
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The request path, or null when the request target cannot be parsed (e.g. `//:`). */
export function pathnameOf(req: IncomingMessage): string | null {
  try {
    return new URL(req.url ?? '/', 'http://gateway').pathname;
  } catch {
    return null;
  }
}

export function bearer(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

export function createHttpHandler(options: HttpRoutesOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { health, metrics, policy } = options;
  const assets =
    options.staticDir && fs.existsSync(options.staticDir)
      ? sirv(options.staticDir, { single: true, dev: false, etag: true, gzip: false, brotli: false })
      : null;

  return (req, res) => {
    securityHeaders(res);
    if (!policy.hostAllowed(req.headers.host)) {
      metrics.rejected.inc({ reason: 'bad_host' });
      return json(res, 403, { error: 'unexpected Host header' });
    }
    const pathname = pathnameOf(req);
    if (pathname === null) return json(res, 400, { error: 'malformed request target' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });

    if (pathname === '/health') return json(res, 200, { status: 'ok' });
    if (pathname === '/ready') {
      const { ready, failing } = health.readiness();
      return json(res, ready ? 200 : 503, ready ? { status: 'ready' } : { status: 'not ready', failing });
    }
    if (pathname === '/metrics') {
      const credential = bearer(req);
      if (!credential || !options.authorize(credential)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="perch"');
        return json(res, 401, { error: 'a bearer token is required' });
      }
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
          res.end(text);
        },
        (error: Error) => json(res, 500, { error: error.message }),
      );
      return;
    }
    if (pathname === '/rpc') return json(res, 426, { error: 'this endpoint speaks WebSocket (JSON-RPC 2.0)' });
    if (!assets) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('The dashboard is not built. Run `npm run build`, then reload.\n');
    }
    assets(req, res, () => json(res, 404, { error: 'not found' }));
  };
}
