import path from 'node:path';
import type { z } from 'zod';
import type { ConversationStore } from '../agent/conversation-store';
import type { archiveSchema } from '../contract/methods';
import { writeExport } from './export-file';

// The owner's data, taken out or taken away: a JSON archive of one conversation or of all of them,
// and wiping a conversation together with its memory rows and the chat messages stored for it.

export type Archive = z.output<typeof archiveSchema>;

export interface PrivacyDeps {
  conversations: ConversationStore;
  /** Drops a conversation's transcript from memory. */
  forgetMemory(conversationId: string): void;
  /** Deletes what a chat channel stored for a peer; returns how many messages. */
  forgetChat(channel: string, peer: string): number;
  dataDir: string;
  now: () => Date;
}

export class ConversationGone extends Error {}

export class Privacy {
  constructor(private readonly deps: PrivacyDeps) {}

  archive(conversationId?: string): Archive {
    const { conversations } = this.deps;
    const ids = conversationId ? [conversationId] : conversations.ids();
    return {
      exportedAt: this.deps.now().toISOString(),
      conversations: ids.map((id) => {
        const conversation = conversations.get(id);
        if (!conversation) throw new ConversationGone(`No conversation with id ${id}.`);
        return { ...conversation, messages: conversations.allMessages(id) };
      }),
    };
  }

  /**
   * Writes the archive into <data dir>/exports (readable only by this user); returns the file.
   * Throws ExportRefused when exports/ is a link (never written through).
   */
  exportToFile(conversationId?: string): { file: string; conversations: number; messages: number } {
    const archive = this.archive(conversationId);
    const stamp = archive.exportedAt.replace(/[:.]/g, '-');
    const file = writeExport(path.join(this.deps.dataDir, 'exports'), `perch-${conversationId ?? 'all'}-${stamp}.json`, JSON.stringify(archive, null, 2));
    return { file, conversations: archive.conversations.length, messages: archive.conversations.reduce((n, c) => n + c.messages.length, 0) };
  }

  setRetention(conversationId: string, days: number | null) {
    const conversation = this.deps.conversations.setRetention(conversationId, days);
    if (!conversation) throw new ConversationGone(`No conversation with id ${conversationId}.`);
    return conversation;
  }

  /** Deletes a conversation, its memory rows and its chat's stored messages. */
  wipe(conversationId: string): { messages: number; chatMessages: number } {
    const conversation = this.deps.conversations.get(conversationId);
    if (!conversation) throw new ConversationGone(`No conversation with id ${conversationId}.`);
    this.deps.forgetMemory(conversationId);
    const chatMessages = this.deps.forgetChat(conversation.channel, conversation.peer); // 0 where no chat channel stored any
    const messages = this.deps.conversations.delete(conversationId);
    return { messages, chatMessages };
  }
}
