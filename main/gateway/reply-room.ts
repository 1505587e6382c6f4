import { appError, type RpcError } from '../contract/errors';

// Room left in one reply frame. A batch's replies are serialized one by one as they finish, each
// charged against what is left; one that does not fit becomes a small reply_too_large error for
// its entry, so a frame never grows past the limit. Handlers that can return a lot (system.logs)
// look at the room first and hold it before building anything.

/** What a handler sees of its frame's room. */
export interface ReplyAllowance {
  /** The frame's whole limit (for error messages). */
  readonly limit: number;
  /** Bytes this reply may still take. */
  available(): number;
  /** Sets bytes aside for a result about to be built; false when they are not there. */
  hold(bytes: number): boolean;
}

export const UNLIMITED: ReplyAllowance = { limit: Number.POSITIVE_INFINITY, available: () => Number.POSITIVE_INFINITY, hold: () => true };

export function replyTooLarge(limit: number): RpcError {
  return appError(
    'reply_too_large',
    `The reply to this call would not fit in the ${limit}-byte reply frame (with the rest of its batch): send it on its own or ask for less`,
    { limit },
  );
}

/** Each entry keeps this much in reserve for its own reply_too_large error (plus its id). */
const ENTRY_RESERVE = 256;

export class ReplyRoom {
  private left: number;

  constructor(
    readonly limit: number,
    entries: number,
    idBytes: number,
  ) {
    this.left = limit - 2 - entries * (ENTRY_RESERVE + 1) - idBytes;
  }

  /** One entry's view: what it holds is given back when its reply is charged. */
  entry(): ReplyAllowance & { fit(text: string): boolean } {
    let held = 0;
    return {
      limit: this.limit,
      available: () => Math.max(0, this.left),
      hold: (bytes) => {
        if (bytes > this.left) return false;
        this.left -= bytes;
        held += bytes;
        return true;
      },
      fit: (text) => {
        this.left += held;
        held = 0;
        const bytes = Buffer.byteLength(text);
        if (bytes > this.left) return false;
        this.left -= bytes;
        return true;
      },
    };
  }
}
