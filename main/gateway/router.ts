import { appError, RpcError, StandardErrors } from '../contract/errors';
import { isMethodName, methodNames, methods, type MethodName, type Params, type Result } from '../contract/methods';
import { checkInput } from '../contract/validate';
import type { Logger } from '../log/logger';
import { isDiskFull } from '../store/database';
import { UNLIMITED, type ReplyAllowance } from './reply-room';
import type { Session } from './session';

// Method → handler. Every transport (the WebSocket gateway, the Electron IPC bridge, in-process
// clients) dispatches here, so rate limiting, authentication and validation happen once.

export interface HandlerContext {
  session: Session;
  correlationId: string;
  log: Logger;
  /**
   * Ends every other connection signed in with the gateway token or a dashboard session (they
   * stop working when the token is replaced); returns how many were ended.
   */
  endCredentialSessions(): number;
  /** Room left in the reply frame: a handler that can return a lot sizes its result to it. */
  reply: ReplyAllowance;
}

/** Ends a transport's connections signed in with a gateway credential, except `keep`; returns how many. */
export type CredentialRevoker = (keep: Session) => number;

/** The surface a call came from (the dashboard in a browser, the desktop app, in-process), for the audit log. */
export const surfaceOf = (ctx: HandlerContext) => ({ ws: 'dashboard', ipc: 'desktop', local: 'local' })[ctx.session.transport];

export type Handler<M extends MethodName> = (params: Params<M>, ctx: HandlerContext) => Result<M> | Promise<Result<M>>;
export type Handlers = { [M in MethodName]?: Handler<M> };

export interface CallObserver {
  (method: string, outcome: 'ok' | 'error', seconds: number): void;
}

export interface RouterOptions {
  log: Logger;
  /** Validate handler results against the contract too (on in tests; a mismatch is a bug). */
  validateResults?: boolean;
  observe?: CallObserver;
}

let requestCounter = 0;

/** Built once: the answer to every call before sign-in, however many come. */
const UNAUTHORIZED = appError('unauthorized', 'Authentication required: send "Authorization: Bearer <token>" when connecting, or call auth.token first');

export class Router {
  private readonly handlers = new Map<MethodName, Handler<MethodName>>();
  private readonly revokers = new Set<CredentialRevoker>();

  constructor(private readonly options: RouterOptions) {}

  /** A transport holding connections signed in with the gateway token or a session registers how to end them. */
  onCredentialsRevoked(revoker: CredentialRevoker): () => void {
    this.revokers.add(revoker);
    return () => void this.revokers.delete(revoker);
  }

  register(handlers: Handlers): void {
    for (const [name, handler] of Object.entries(handlers) as Array<[MethodName, Handler<MethodName>]>) {
      if (this.handlers.has(name)) throw new Error(`two handlers for ${name}`);
      this.handlers.set(name, handler);
    }
  }

  /** Contract methods without a handler (a start-up check: every declared method must work). */
  missing(): MethodName[] {
    return methodNames.filter((name) => !this.handlers.has(name));
  }

  async call(session: Session, method: string, rawParams: unknown, reply: ReplyAllowance = UNLIMITED): Promise<unknown> {
    const correlationId = `${session.id}-${++requestCounter}`;
    const started = performance.now();
    const done = (outcome: 'ok' | 'error', code?: number) => {
      const seconds = (performance.now() - started) / 1000;
      this.options.observe?.(method, outcome, seconds);
      if (this.options.log.enabled('debug')) {
        this.options.log.debug('rpc', { correlationId, conn: session.id, method, outcome, code, ms: Math.round(seconds * 1e6) / 1e3 });
      }
    };
    try {
      const result = await this.dispatch(session, method, rawParams, correlationId, reply);
      done('ok');
      return result;
    } catch (thrown) {
      const error = isDiskFull(thrown) ? this.diskFull(method, correlationId, thrown as Error) : thrown;
      done('error', error instanceof RpcError ? error.code : StandardErrors.INTERNAL_ERROR);
      if (error instanceof RpcError) throw error;
      this.options.log.error('handler failed', { method, correlationId, error });
      throw new RpcError(StandardErrors.INTERNAL_ERROR, `Internal error in ${method} (correlation id ${correlationId})`, {
        code: 'internal',
        correlationId,
      });
    }
  }

  /** A write refused for lack of space: the caller hears so plainly (SQLite rolled the write back; what was saved before is intact). */
  private diskFull(method: string, correlationId: string, error: Error): RpcError {
    this.options.log.error('a write failed: the disk is full', { method, correlationId, error: error.message });
    return appError('disk_full', "The disk that holds Perch's data is full, so this was not saved. Free some disk space and try again; everything saved before is intact.", { correlationId });
  }

  private async dispatch(session: Session, method: string, rawParams: unknown, correlationId: string, reply: ReplyAllowance): Promise<unknown> {
    const known = isMethodName(method);
    // Before authentication every call gets the same answer, so the method list does not leak.
    if (!session.authenticated && !(known && methods[method].public === true)) throw UNAUTHORIZED;
    const wait = session.bucket.take();
    if (wait > 0) {
      throw appError('rate_limited', `Too many requests on this connection; retry in ${wait} ms`, { retryAfterMs: wait });
    }
    if (!known) throw new RpcError(StandardErrors.METHOD_NOT_FOUND, `Method not found: ${method}`, { code: 'method_not_found' });
    const handler = this.handlers.get(method);
    if (!handler) throw new RpcError(StandardErrors.METHOD_NOT_FOUND, `Method not available: ${method}`, { code: 'method_not_found' });

    const spec = methods[method];
    const parsed = checkInput(spec.params, rawParams);
    if (!parsed.success) {
      const issues = parsed.issues.map((issue) => ({
        path: issue.path.length ? issue.path.join('.') : '(params)',
        message: issue.message,
      }));
      const first = issues[0]!;
      throw new RpcError(StandardErrors.INVALID_PARAMS, `Invalid params for ${method}: ${first.path}: ${first.message}`, {
        code: 'invalid_params',
        issues,
      });
    }
    const base = this.options.log;
    let log: HandlerContext['log'] | undefined;
    const ctx: HandlerContext = {
      session,
      correlationId,
      reply,
      endCredentialSessions: () => [...this.revokers].reduce((ended, revoke) => ended + revoke(session), 0),
      // Most calls never log: build the child logger only when a handler asks for it.
      get log() {
        return (log ??= base.child({ correlationId, method }));
      },
    };
    const result = await handler(parsed.data as Params<MethodName>, ctx);
    if (this.options.validateResults) {
      const checked = spec.result.safeParse(result);
      if (!checked.success) throw new Error(`${method} returned a result outside the contract: ${checked.error.message}`);
    }
    return result;
  }
}
