import { appError } from '../contract/errors';
import type { Handlers } from '../gateway/router';
import { ConversationGone, type Privacy } from './privacy';

export function privacyHandlers(privacy: Privacy): Handlers {
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
  };
}
