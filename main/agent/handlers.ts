import { appError, RpcError, StandardErrors } from '../contract/errors';
import type { Handlers } from '../gateway/router';
import { ModelError } from '../inference/provider';
import { ConversationNotFound, MessageTooLong, type Agent } from './agent';
import { CursorError, type ConversationStore } from './conversation-store';
import type { ToolRegistry } from '../tools/registry';

/** The dashboard chat is the owner's own conversation on the "dashboard" channel. */
export const DASHBOARD = { channel: 'dashboard', peer: 'owner' } as const;

export function agentHandlers(agent: Agent, store: ConversationStore, tools: ToolRegistry): Handlers {
  const notFound = (id: string) => appError('not_found', `No conversation with id ${id}`, { conversationId: id });
  const pageOf = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (error instanceof CursorError) throw new RpcError(StandardErrors.INVALID_PARAMS, error.message, { code: 'invalid_params' });
      throw error;
    }
  };
  return {
    'chat.send': async ({ text, conversationId }) => {
      try {
        return await agent.handle({ ...DASHBOARD, text, ...(conversationId ? { conversationId } : {}) });
      } catch (error) {
        if (error instanceof ModelError) throw appError(error.code, error.message);
        if (error instanceof ConversationNotFound) throw notFound(conversationId!);
        if (error instanceof MessageTooLong) throw appError('message_too_long', error.message);
        throw error;
      }
    },
    'conversations.list': ({ cursor, limit }) => pageOf(() => store.list(cursor, limit)),
    'tools.invoke': ({ name, args }) => tools.invoke(name, args, { conversationId: null }),
    'conversations.messages': ({ conversationId, cursor, limit }) => {
      if (!store.get(conversationId)) throw notFound(conversationId);
      return pageOf(() => store.messages(conversationId, cursor, limit));
    },
  };
}
