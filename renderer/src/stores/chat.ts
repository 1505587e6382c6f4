import { create } from 'zustand';
import type { Result } from '../../../main/contract/methods';
import { call, listen, problemOf, type Problem } from './session';

// The chat: the conversation list, the open conversation's messages, and the reply being written
// (agent.delta) until it is stored. One reply runs at a time from here; Stop cancels it on the
// server, which keeps the partial reply marked as stopped.

export type Conversation = Result<'conversations.list'>['items'][number];
export type Message = Result<'conversations.messages'>['items'][number];

const PAGE = 200;
/** Deltas are drawn at most this often: markdown is re-rendered on each draw. */
const DRAW_MS = 40;
const LAST_KEY = 'perch.chat.selected';

interface ChatState {
  conversations: Conversation[];
  listLoaded: boolean;
  selected: string | null;
  messages: Message[];
  /** Older messages exist before the first one shown. */
  earlier: string | null;
  /** The reply being written for the open conversation (shown live). */
  streaming: string;
  /** A send, regenerate or edit is running (in `runningIn`, or in a conversation not created yet). */
  running: boolean;
  runningIn: string | null;
  /** Stop was asked before the new conversation's id was known: cancelled as soon as it is. */
  stopWanted: boolean;
  error: Problem | null;
  loadConversations(): Promise<void>;
  /** `keepError`: a reload after a failure keeps the failure on screen. */
  select(id: string | null, keepError?: boolean): Promise<void>;
  loadEarlier(): Promise<void>;
  /** Resolves false when it failed (the composer then gets its text back). */
  send(text: string): Promise<boolean>;
  regenerate(): Promise<boolean>;
  edit(messageId: number, text: string): Promise<boolean>;
  stop(): Promise<void>;
  rename(id: string, title: string): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  setError(error: Problem | null): void;
  /** Follows streamed replies; returns the unsubscribe function. */
  follow(): () => void;
}

/** Said when the conversation was deleted (elsewhere) while open. */
const GONE = 'This conversation was deleted meanwhile. Your message is still in the box: send it to start a new chat.';

const codeOf = (error: unknown) => (error as { data?: { code?: unknown } } | null)?.data?.code;

let buffered = '';
let drawTimer: ReturnType<typeof setTimeout> | null = null;
let listTimer: ReturnType<typeof setTimeout> | null = null;

export const lastSelected = (): string | null => {
  try {
    return localStorage.getItem(LAST_KEY);
  } catch {
    return null;
  }
};

function remember(id: string | null): void {
  try {
    if (id) localStorage.setItem(LAST_KEY, id);
    else localStorage.removeItem(LAST_KEY);
  } catch {
    // Private mode: the address still holds the conversation.
  }
}

export const useChat = create<ChatState>((set, get) => {
  const flush = () => {
    drawTimer = null;
    if (buffered) set({ streaming: get().streaming + buffered });
    buffered = '';
  };
  const resetStream = () => {
    if (drawTimer) clearTimeout(drawTimer);
    drawTimer = null;
    buffered = '';
    set({ streaming: '' });
  };
  /** Runs one reply (send, regenerate or edit) and shows the stored result. */
  const run = async (conversationId: string | null, work: () => Promise<Result<'chat.send'>>): Promise<boolean> => {
    resetStream();
    set({ running: true, runningIn: conversationId, stopWanted: false, error: null });
    try {
      const reply = await work();
      flush();
      set({ running: false, runningIn: null, stopWanted: false });
      if (get().selected === null || get().selected === reply.conversationId) await get().select(reply.conversationId);
      await get().loadConversations();
      return true;
    } catch (error) {
      buffered = '';
      const gone = conversationId !== null && codeOf(error) === 'not_found';
      const problem = gone ? { text: GONE, details: null, field: null } : problemOf(error);
      set({ running: false, runningIn: null, stopWanted: false, streaming: '', error: problem });
      if (gone) {
        await get().select(null, true);
        await get().loadConversations();
      } else if (get().selected) await get().select(get().selected, true);
      return false;
    }
  };

  return {
    conversations: [],
    listLoaded: false,
    selected: null,
    messages: [],
    earlier: null,
    streaming: '',
    running: false,
    runningIn: null,
    stopWanted: false,
    error: null,
    async loadConversations() {
      try {
        const { items } = await call('conversations.list', { limit: PAGE });
        set({ conversations: items, listLoaded: true });
      } catch (error) {
        set({ error: problemOf(error), listLoaded: true });
      }
    },
    async select(id: string | null, keepError = false) {
      const switching = id !== get().selected;
      remember(id);
      if (switching) {
        if (get().runningIn !== id) resetStream();
        set({ selected: id, messages: [], earlier: null, ...(keepError ? {} : { error: null }) });
      }
      if (!id) return;
      try {
        const { items, nextCursor } = await call('conversations.messages', { conversationId: id, limit: PAGE });
        if (get().selected === id) set({ messages: items, earlier: nextCursor, ...(keepError ? {} : { error: null }) });
      } catch (error) {
        if (get().selected === id) set({ error: problemOf(error) });
      }
    },
    async loadEarlier() {
      const { selected, earlier } = get();
      if (!selected || !earlier) return;
      try {
        const { items, nextCursor } = await call('conversations.messages', { conversationId: selected, cursor: earlier, limit: PAGE });
        if (get().selected === selected) set({ messages: [...items, ...get().messages], earlier: nextCursor });
      } catch (error) {
        set({ error: problemOf(error) });
      }
    },
    send(text) {
      const conversationId = get().selected;
      // Shown at once; replaced by the stored messages when the reply is in.
      const pending: Message = { id: -Date.now(), conversationId: conversationId ?? '', role: 'user', text, provider: null, model: null, tokensIn: 0, tokensOut: 0, promptVersion: null, createdAt: new Date().toISOString() };
      set({ messages: [...get().messages, pending] });
      return run(conversationId, () => call('chat.send', { text, ...(conversationId ? { conversationId } : {}) }));
    },
    regenerate() {
      const conversationId = get().selected;
      if (!conversationId) return Promise.resolve(false);
      const messages = get().messages;
      const lastUser = messages.map((m) => m.role).lastIndexOf('user');
      set({ messages: messages.slice(0, lastUser + 1) });
      return run(conversationId, () => call('chat.regenerate', { conversationId }));
    },
    edit(messageId, text) {
      const conversationId = get().selected;
      if (!conversationId) return Promise.resolve(false);
      const at = get().messages.findIndex((m) => m.id === messageId);
      if (at >= 0) set({ messages: [...get().messages.slice(0, at), { ...get().messages[at]!, text }] });
      return run(conversationId, () => call('chat.edit', { conversationId, messageId, text }));
    },
    async stop() {
      const { running, runningIn } = get();
      if (!running) return;
      if (!runningIn) return set({ stopWanted: true }); // the new conversation's id comes with its first words
      try {
        await call('chat.cancel', { conversationId: runningIn });
      } catch (error) {
        set({ error: problemOf(error) });
      }
    },
    async rename(id, title) {
      try {
        const { conversation } = await call('conversations.rename', { conversationId: id, title });
        set({ conversations: get().conversations.map((c) => (c.id === id ? conversation : c)), error: null });
        return true;
      } catch (error) {
        set({ error: problemOf(error) });
        return false;
      }
    },
    async remove(id) {
      try {
        await call('conversations.wipe', { conversationId: id });
        set({ conversations: get().conversations.filter((c) => c.id !== id) });
        if (get().selected === id) await get().select(null);
        await get().loadConversations();
        return true;
      } catch (error) {
        set({ error: problemOf(error) });
        return false;
      }
    },
    setError(error) {
      set({ error });
    },
    follow() {
      return listen('agent.delta', ({ conversationId, text }) => {
        const { selected, running, runningIn, stopWanted } = get();
        // A New chat's conversation is created by its first message: its id comes with the first delta.
        if (running && runningIn === null && selected === null) {
          set({ runningIn: conversationId, selected: conversationId });
          remember(conversationId);
          if (stopWanted) void get().stop();
          void get().loadConversations();
        }
        if (get().selected !== conversationId) {
          // Another conversation is being answered (Telegram, WhatsApp): its place in the list moves.
          if (!listTimer) listTimer = setTimeout(() => ((listTimer = null), void get().loadConversations()), 1_000);
          return;
        }
        if (get().runningIn !== conversationId) {
          // A reply not asked from here (a channel's conversation open on screen): reload once it settles.
          if (listTimer) clearTimeout(listTimer);
          listTimer = setTimeout(() => ((listTimer = null), void get().select(conversationId), void get().loadConversations()), 800);
        }
        buffered += text;
        if (!drawTimer) drawTimer = setTimeout(flush, DRAW_MS);
      });
    },
  };
});
