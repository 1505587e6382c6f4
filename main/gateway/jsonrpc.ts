import { RpcError, StandardErrors, type RpcErrorObject } from '../contract/errors';
import type { Router } from './router';
import type { Session } from './session';

// Strict JSON-RPC 2.0 framing over the router: single and batch requests, notifications,
// string/number ids and the standard error objects.

export const MAX_BATCH = 100;

type Id = string | number | null;
type Response = { jsonrpc: '2.0'; id: Id; result: unknown } | { jsonrpc: '2.0'; id: Id; error: RpcErrorObject };

const errorResponse = (id: Id, error: RpcErrorObject): Response => ({ jsonrpc: '2.0', id, error });

export function frameError(code: number, message: string, data?: Record<string, unknown>): string {
  return JSON.stringify(errorResponse(null, new RpcError(code, message, data).toJSON()));
}

/**
 * Malformed input that never reaches the router still costs the connection a token, so garbage
 * cannot be sent faster than calls; past the limit it is dropped without a reply.
 */
export function chargeMalformed<T>(session: Session, reply: () => T): T | null {
  return session.bucket.take() > 0 ? null : reply();
}

/** Handles one text frame; resolves with the reply to send, or null when nothing is owed. */
export async function handleFrame(router: Router, session: Session, text: string): Promise<string | null> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    return chargeMalformed(session, () => frameError(StandardErrors.PARSE_ERROR, `Parse error: ${(error as Error).message}`, { code: 'parse_error' }));
  }
  if (Array.isArray(message)) {
    if (message.length === 0) {
      return chargeMalformed(session, () => frameError(StandardErrors.INVALID_REQUEST, 'Invalid Request: empty batch', { code: 'empty_batch' }));
    }
    if (message.length > MAX_BATCH) {
      return chargeMalformed(session, () =>
        frameError(StandardErrors.INVALID_REQUEST, `Invalid Request: a batch holds at most ${MAX_BATCH} requests`, { code: 'batch_too_large' }),
      );
    }
    const replies = await Promise.all(message.map((item) => handleOne(router, session, item)));
    const owed = replies.filter((r): r is Response => r !== null);
    return owed.length > 0 ? JSON.stringify(owed) : null;
  }
  const reply = await handleOne(router, session, message);
  return reply === null ? null : JSON.stringify(reply);
}

async function handleOne(router: Router, session: Session, item: unknown): Promise<Response | null> {
  const invalid = (reason: string, id: Id = null) =>
    chargeMalformed(session, () =>
      errorResponse(id, { code: StandardErrors.INVALID_REQUEST, message: `Invalid Request: ${reason}`, data: { code: 'invalid_request' } }),
    );

  if (typeof item !== 'object' || item === null || Array.isArray(item)) return invalid('expected a request object');
  const req = item as Record<string, unknown>;
  const hasId = Object.hasOwn(req, 'id');
  const id = req.id;
  const validId = id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
  if (hasId && !validId) return invalid('id must be a string, a number or null');
  const replyId: Id = hasId ? (id as Id) : null;
  if (req.jsonrpc !== '2.0') return invalid('"jsonrpc" must be exactly "2.0"', replyId);
  if (typeof req.method !== 'string' || req.method.length === 0) return invalid('"method" must be a non-empty string', replyId);
  if (req.params !== undefined && (typeof req.params !== 'object' || req.params === null)) {
    return invalid('"params" must be an object or an array', replyId);
  }
  const isNotification = !hasId;
  if (Array.isArray(req.params)) {
    if (isNotification) return null;
    return errorResponse(replyId, {
      code: StandardErrors.INVALID_PARAMS,
      message: 'Invalid params: Perch methods take named params (an object), not an array',
      data: { code: 'invalid_params' },
    });
  }
  try {
    const result = await router.call(session, req.method, req.params ?? {});
    return isNotification ? null : { jsonrpc: '2.0', id: replyId, result };
  } catch (error) {
    if (isNotification) return null;
    const rpc = error instanceof RpcError ? error : new RpcError(StandardErrors.INTERNAL_ERROR, 'Internal error');
    return errorResponse(replyId, rpc.toJSON());
  }
}
