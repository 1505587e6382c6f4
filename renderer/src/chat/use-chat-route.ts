import { useEffect, useRef } from 'react';
import { lastSelected, useChat } from '../stores/chat';
import { useSession } from '../stores/session';

// The open conversation lives in the address (#/chat/<id>) and in localStorage, so a reload, a
// link or the Chat entry of the navigation come back to it.

const idInHash = (): string | null => /^#\/(?:chat|conversations)\/([\w-]{1,64})$/.exec(window.location.hash)?.[1] ?? null;

function writeHash(id: string | null): void {
  const want = id ? `#/chat/${id}` : '#/chat';
  if (window.location.hash !== want) window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${want}`);
}

export function useChatRoute(): void {
  const epoch = useSession((s) => s.epoch);
  const selected = useChat((s) => s.selected);
  // The address asked for, read before anything rewrites it; the address follows the open
  // conversation only once it is restored.
  const asked = useRef<string | null>(idInHash());
  const restoring = useRef(true);

  // On every (re)connection: the list, and the conversation to show again.
  useEffect(() => {
    const { loadConversations, select } = useChat.getState();
    let live = true;
    restoring.current = true;
    const fromHash = idInHash() ?? asked.current;
    asked.current = null;
    void (async () => {
      await loadConversations();
      if (!live) return;
      const { conversations, selected: open } = useChat.getState();
      let id = fromHash ?? open ?? lastSelected();
      // A conversation deleted meanwhile (or elsewhere) opens a new chat instead of an error.
      if (id && conversations.length < 200 && !conversations.some((c) => c.id === id)) id = null;
      await select(id);
      restoring.current = false;
      writeHash(useChat.getState().selected);
    })();
    return () => {
      live = false;
    };
  }, [epoch]);

  useEffect(() => {
    if (!restoring.current) writeHash(selected);
  }, [selected]);

  useEffect(() => {
    const onHash = () => {
      const id = idInHash();
      const { selected: open, select } = useChat.getState();
      if (id && id !== open) void select(id);
      else if (!id) writeHash(open); // the navigation's plain #/chat keeps the open conversation
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
}
