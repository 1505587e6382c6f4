import { appError } from '../contract/errors';
import type { Settings } from '../contract/settings';
import type { Handlers } from '../gateway/router';
import type { Agent } from './agent';
import { chatHandlers } from './chat-handlers';
import type { ConversationStore } from './conversation-store';
import type { ToolRegistry } from '../tools/registry';

export function agentHandlers(agent: Agent, store: ConversationStore, tools: ToolRegistry, prices: () => Settings['usage']['prices']): Handlers {
  const notFound = (id: string) => appError('not_found', `No conversation with id ${id}`, { conversationId: id });
  return {
    ...chatHandlers(agent, store),
    'conversations.list': ({ cursor, limit }) => store.list(cursor, limit),
    'prompt.get': () => store.systemPrompt(),
    'prompt.update': ({ text }) => store.setSystemPrompt(text),
    'tools.invoke': ({ name, args }) => tools.invoke(name, args, { conversationId: null, channel: null }),
    'usage.summary': ({ days }) => {
      const since = new Date(Date.now() - days * 86_400_000).toISOString();
      const { byDay, byConversation } = store.usageSince(since);
      const table = prices();
      const rows = byDay.map((r) => {
        const price = table[`${r.provider}:${r.model}`];
        return { ...r, cost: price ? (r.tokensIn * price.input + r.tokensOut * price.output) / 1e6 : null };
      });
      const priced = rows.filter((r) => r.cost !== null);
      return {
        byDay: rows,
        byConversation,
        total: {
          tokensIn: rows.reduce((n, r) => n + r.tokensIn, 0),
          tokensOut: rows.reduce((n, r) => n + r.tokensOut, 0),
          cost: priced.length > 0 ? priced.reduce((n, r) => n + r.cost!, 0) : null,
        },
      };
    },
    'conversations.messages': ({ conversationId, cursor, limit }) => {
      if (!store.get(conversationId)) throw notFound(conversationId);
      return store.messages(conversationId, cursor, limit);
    },
  };
}
