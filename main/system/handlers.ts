import { LOG_TAIL_BYTES, readLogTail } from '../log/log-tail';
import { replyTooLarge } from '../gateway/reply-room';
import type { Handlers } from '../gateway/router';
import type { Result } from '../contract/methods';

/** The reply's envelope around the lines (id, file name, keys). */
const LOGS_REPLY_BASE = 512;
/** Less room than this and the call is refused rather than answered with next to no lines. */
const MIN_LOG_ROOM = 4 * 1024;

export type StatusSource = () => Result<'system.status'>;

export function systemHandlers(status: StatusSource, logFile: string | null): Handlers {
  return {
    'system.ping': () => ({ pong: true, time: Date.now() }),
    'system.status': () => status(),
    'system.logs': ({ lines, level }, { reply }) => {
      // Read no more than the reply frame has room for (a batch of these shares one frame).
      const room = Math.min(LOG_TAIL_BYTES, reply.available() - LOGS_REPLY_BASE - Buffer.byteLength(logFile ?? ''));
      if (room < MIN_LOG_ROOM) throw replyTooLarge(reply.limit);
      const { items, bytes } = readLogTail(logFile, lines, level, room);
      if (!reply.hold(bytes + LOGS_REPLY_BASE)) throw replyTooLarge(reply.limit);
      return { file: logFile, items };
    },
  };
}
