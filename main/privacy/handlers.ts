import { appError } from '../contract/errors';
import type { Handlers } from '../gateway/router';
import { ConversationGone, type Privacy } from './privacy';
import type { Retention } from './retention';

export function privacyHandlers(privacy: Privacy, retention: Retention, defaultDays: () => number): Handlers {
  const guard = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      if (error instanceof ConversationGone) throw appError('not_found', error.message);
      throw error;
    }
  };
  return {
    'conversations.export': ({ conversationId }) => ({ archive: guard(() => privacy.archive(conversationId)) }),
    'conversations.wipe': ({ conversationId }) => guard(() => privacy.wipe(conversationId)),
    'conversations.setRetention': ({ conversationId, days }) => ({ conversation: guard(() => privacy.setRetention(conversationId, days)) }),
    'privacy.status': () => ({ retentionDays: defaultDays(), lastSweep: retention.lastSweep(), nextSweepAt: retention.nextSweepAt() }),
    'privacy.sweep': () => retention.sweep(),
  };
}
