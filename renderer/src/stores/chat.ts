import { create } from 'zustand';
import type { Result } from '../../../main/contract/methods';
import { call, listen, messageOf } from './session';

// Conversations and the owner's own chat: the list, the open conversation's messages, and the
// reply being streamed (agent.delta) until it is stored.

export type Conversation = Result<'conversations.list'>['items'][number];
export type Message = Result<'conversations.messages'>['items'][number];

interface ChatState {
  conversations: Conversation[];
  selected: string | null;
  messages: Message[];
  /** The reply streaming in for the open conversation. */
  streaming: string;
  sending: boolean;
  error: string | null;
  loadConversations(): Promise<void>;
  select(id: string | null): Promise<void>;
  send(text: string): Promise<void>;
  /** Follows streamed replies; returns the unsubscribe function. */
  follow(): () => void;
}

let refresh: ReturnType<typeof setTimeout> | null = null;

export const useChat = create<ChatState>((set, get) => ({
  conversations: [],
  selected: null,
  messages: [],
  streaming: '',
  sending: false,
  error: null,
  async loadConversations() {
    try {
      set({ conversations: (await call('conversations.list', { limit: 200 })).items, error: null });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async select(id) {
    set({ selected: id, messages: [], streaming: '' });
    if (!id) return;
    try {
      const { items } = await call('conversations.messages', { conversationId: id, limit: 200 });
      if (get().selected === id) set({ messages: items, error: null });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async send(text) {
    set({ sending: true, error: null, streaming: '' });
    const pending: Message = { id: -Date.now(), conversationId: get().selected ?? '', role: 'user', text, provider: null, model: null, tokensIn: 0, tokensOut: 0, promptVersion: null, createdAt: new Date().toISOString() };
    set({ messages: [...get().messages, pending] });
    try {
      const selected = get().selected;
      const reply = await call('chat.send', { text, ...(selected ? { conversationId: selected } : {}) });
      set({ sending: false });
      await get().select(reply.conversationId);
      await get().loadConversations();
    } catch (error) {
      set({ sending: false, error: messageOf(error) });
    }
  },
  follow() {
    return listen('agent.delta', ({ conversationId, text }) => {
      const { selected, sending } = get();
      // The owner's first message starts a conversation whose id arrives with the first delta.
      if (selected === null && sending) set({ selected: conversationId });
      if (get().selected !== conversationId) return;
      set({ streaming: get().streaming + text });
      // Replies in other chats (Telegram, WhatsApp) are not sent from here: reload once they settle.
      if (!sending) {
        if (refresh) clearTimeout(refresh);
        refresh = setTimeout(() => void get().select(conversationId), 800);
      }
    });
  },
}));
