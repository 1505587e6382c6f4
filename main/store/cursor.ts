import { RpcError, StandardErrors } from '../contract/errors';

// Opaque page cursors: the sort key of the last item seen, as base64url JSON.

/** An invalid-params error as it stands, so every paged method answers it the same way. */
export class CursorError extends RpcError {
  constructor() {
    super(StandardErrors.INVALID_PARAMS, 'Invalid cursor: pass back the nextCursor of the previous page unchanged', { code: 'invalid_params' });
  }
}

export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The parts of a cursor made by encodeCursor, `count` of them; anything else is a CursorError. */
export function decodeCursor(cursor: string, count: number): string[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === count && parts.every((p) => typeof p === 'string')) return parts as string[];
  } catch {
    // fall through
  }
  throw new CursorError();
}
