import { RpcError, StandardErrors, type RpcErrorObject } from '../contract/errors';
import { ReplyRoom, replyTooLarge, type ReplyAllowance } from './reply-room';
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

/** How large a reply frame may grow: a batch's replies together, and one reply on its own. */
export interface ReplyLimits {
  batch: number;
  single: number;
}

const UNLIMITED_REPLIES: ReplyLimits = { batch: Number.POSITIVE_INFINITY, single: Number.POSITIVE_INFINITY };

/**
 * Handles one text frame; resolves with the reply to send, or null when nothing is owed. Each reply
 * is serialized as soon as it is ready and charged against the frame's limit: the frame never grows
 * past it (an entry that does not fit gets a reply_too_large error instead of its result).
 */
export async function handleFrame(router: Router, session: Session, text: string, limits: ReplyLimits = UNLIMITED_REPLIES): Promise<string | null> {
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
    const room = new ReplyRoom(limits.batch, message.length, idBytes(message));
    // Entries start in order. One that answers at once is serialized (and its result dropped)
    // before the next starts, so a batch never holds a hundred large results at the same time;
    // one that waits on something (a model, a timer) lets the next start without it.
    const replies: Array<Promise<string | null>> = [];
    for (const item of message) {
      const reply = serialized(router, session, item, room);
      replies.push(reply);
      await Promise.race([reply, new Promise<void>((resolve) => setImmediate(resolve))]);
    }
    const owed = (await Promise.all(replies)).filter((r): r is string => r !== null);
    return owed.length > 0 ? `[${owed.join(',')}]` : null;
  }
  return serialized(router, session, message, new ReplyRoom(limits.single, 1, idBytes([message])));
}

/** The bytes the entries' ids take when echoed (each entry's fallback error carries its id). */
function idBytes(items: unknown[]): number {
  let bytes = 0;
  for (const item of items) {
    const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).id : undefined;
    if (typeof id === 'string') bytes += Buffer.byteLength(id) + 2;
  }
  return bytes;
}

/** One entry's reply as text, charged against the frame's room as soon as it is ready. */
async function serialized(router: Router, session: Session, item: unknown, room: ReplyRoom): Promise<string | null> {
  const allowance = room.entry();
  const reply = await handleOne(router, session, item, allowance);
  if (reply === null) return null;
  const text = JSON.stringify(reply);
  return allowance.fit(text) ? text : JSON.stringify(errorResponse(reply.id, replyTooLarge(room.limit).toJSON()));
}

async function handleOne(router: Router, session: Session, item: unknown, allowance: ReplyAllowance): Promise<Response | null> {
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
    const result = await router.call(session, req.method, req.params ?? {}, allowance);
    return isNotification ? null : { jsonrpc: '2.0', id: replyId, result };
  } catch (error) {
    if (isNotification) return null;
    const rpc = error instanceof RpcError ? error : new RpcError(StandardErrors.INTERNAL_ERROR, 'Internal error');
    return errorResponse(replyId, rpc.toJSON());
  }
}
