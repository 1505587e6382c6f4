import { appError } from '../contract/errors';
import type { Handlers } from '../gateway/router';
import { AllModelsFailed } from '../inference/failover';
import { ModelError } from '../inference/provider';
import { ConversationNotFound, MessageTooLong, type Agent, type Reply } from './agent';
import { isCommand } from './commands';
import type { Conversation, ConversationStore } from './conversation-store';

// The dashboard chat: the owner's own conversations on the "dashboard" channel, any number of
// them. Send, Stop, Regenerate, Edit and Rename.

export const DASHBOARD_CHANNEL = 'dashboard';

const CHANNEL_NAMES: Record<string, string> = { telegram: 'Telegram', whatsapp: 'WhatsApp', schedule: 'a scheduled job' };

/** A model that cannot answer, as an error for people. */
function modelProblem(error: unknown): unknown {
  if (error instanceof ModelError) {
    if (error.code === 'no_model') return appError('no_model', error.message); // NO_MODEL_MESSAGE: already for people
    return appError('model_unavailable', `Perch cannot use its model right now: ${error.message.replace(/\.$/, '')}. Check the model in Setup, then send your message again.`);
  }
  if (error instanceof AllModelsFailed) {
    return appError('model_unavailable', `Perch cannot use its model right now (${error.reasons.join('; ')}). Check the model in Setup, then send your message again.`, { reasons: error.reasons });
  }
  return error;
}

export function chatHandlers(agent: Agent, store: ConversationStore): Handlers {
  const notFound = (id: string) => appError('not_found', `No conversation with id ${id}`, { conversationId: id });

  /** A conversation the dashboard chat may write to. */
  const own = (id: string): Conversation => {
    const conversation = store.get(id);
    if (!conversation) throw notFound(id);
    if (conversation.channel !== DASHBOARD_CHANNEL) {
      const where = CHANNEL_NAMES[conversation.channel] ?? conversation.channel;
      throw appError('read_only', `This conversation is with ${where}: answer it there. Only your own dashboard conversations can be written to here; start a New chat instead.`, {
        conversationId: id,
        channel: conversation.channel,
      });
    }
    return conversation;
  };

  /** Refuses, before anything is stored, a message that only a model could answer when none works. */
  const needsModel = async (text: string) => {
    if (isCommand(text)) return; // commands are answered without the model
    try {
      await agent.checkModel();
    } catch (error) {
      throw modelProblem(error);
    }
  };

  const answered = async (id: string, work: () => Promise<Reply>) => {
    try {
      const reply = await work();
      return { conversationId: reply.conversationId, messageId: reply.messageId, text: reply.text, stopped: reply.stopped === true };
    } catch (error) {
      if (error instanceof ConversationNotFound) throw notFound(id);
      if (error instanceof MessageTooLong) throw appError('message_too_long', error.message);
      throw modelProblem(error);
    }
  };

  /** The last message the owner wrote, which Regenerate and Edit answer again. */
  const lastAsked = (id: string, messageId?: number) => {
    const last = store.lastUserMessage(id);
    if (!last) throw appError('not_editable', 'There is no message of yours in this conversation to answer again. Send one first.', { conversationId: id });
    if (messageId !== undefined && last.id !== messageId) {
      throw appError('not_editable', 'Only your last message can be edited. Send a new message instead.', { conversationId: id, messageId, lastMessageId: last.id });
    }
    return last;
  };

  return {
    'chat.send': async ({ text, conversationId }) => {
      const existing = conversationId ? own(conversationId) : null;
      await needsModel(text);
      // Only now, with a model that can answer: a New chat that cannot be answered leaves nothing behind.
      const conversation = existing ?? store.start(DASHBOARD_CHANNEL);
      try {
        return await answered(conversation.id, () => agent.handle({ channel: DASHBOARD_CHANNEL, peer: conversation.peer, text, conversationId: conversation.id }));
      } catch (error) {
        // Its first message could not be stored (a full disk): no empty conversation is left behind.
        if (!existing) {
          try {
            store.deleteIfEmpty(conversation.id);
          } catch {
            // the error below says what went wrong
          }
        }
        throw error;
      }
    },
    'chat.cancel': ({ conversationId }) => {
      own(conversationId);
      return { cancelled: agent.cancel(conversationId) };
    },
    'chat.regenerate': async ({ conversationId }) => {
      own(conversationId);
      await needsModel(lastAsked(conversationId).text);
      return answered(conversationId, () =>
        agent.answerAgain(conversationId, () => {
          // Looked up again in the lane: a turn that was running has finished by now.
          const last = lastAsked(conversationId);
          store.deleteAfter(conversationId, last.id);
          return { text: last.text };
        }),
      );
    },
    'chat.edit': async ({ conversationId, messageId, text }) => {
      own(conversationId);
      lastAsked(conversationId, messageId);
      await needsModel(text);
      return answered(conversationId, () =>
        agent.answerAgain(conversationId, () => {
          lastAsked(conversationId, messageId);
          store.editText(conversationId, messageId, text);
          store.deleteAfter(conversationId, messageId);
          return { text };
        }),
      );
    },
    'conversations.rename': ({ conversationId, title }) => {
      const conversation = store.rename(conversationId, title);
      if (!conversation) throw notFound(conversationId);
      return { conversation };
    },
  };
}
