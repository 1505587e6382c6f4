import type { ChatProvider } from '../inference/provider';
import { EmptyNote, NoteNotText } from '../memory/note-files';
import { ExportRefused } from '../privacy/export-file';
import type { ConversationStore } from './conversation-store';

// Chat commands, answered without the model. Unknown "/words" go to the model as ordinary text.

/** What the chat commands need from memory. */
export interface MemoryCommands {
  write(text: string): Promise<{ file: string; line: number }>;
  forget(text: string): Promise<{ files: string[]; lines: number }>;
}

/** What /reminders needs from the scheduler: the one-shot jobs that deliver to this conversation's chat. */
export interface ReminderCommands {
  list(conversationId: string): Array<{ id: string; text: string; at: string }>;
  cancel(conversationId: string, id: string): boolean;
}

/** What /export and /wipe need. */
export interface PrivacyCommands {
  export(conversationId: string): { file: string; messages: number };
  wipe(conversationId: string): { messages: number };
}

/** A command's answer; `wiped` when the conversation no longer exists (the answer is not stored). */
export type CommandResult = string | { text: string; wiped: true } | null;

interface CommandContext {
  conversationId: string;
  /** A contact may use only the commands about their own conversation. */
  role: 'owner' | 'contact';
  store: ConversationStore;
  provider: () => Promise<ChatProvider>;
  memory?: MemoryCommands;
  reminders?: ReminderCommands;
  privacy?: PrivacyCommands;
}

const HELP = [
  'Commands:',
  '/help — this list',
  '/reset — start a fresh context (the history stays stored)',
  '/model — which model answers',
  '/usage — tokens used in this conversation and today',
  '/remember TEXT — save a note',
  '/forget TEXT — delete the notes that mention TEXT (or a note file by name)',
  '/reminders — your pending reminders; /reminders cancel N to cancel one',
  '/export — save this conversation as a JSON file on the computer running Perch',
  '/wipe — delete this conversation and what Perch remembers of it',
].join('\n');

/** Commands that reach beyond the conversation (the owner's notes, files on the owner's computer). */
const OWNER_ONLY = new Set(['remember', 'forget', 'export']);

const COMMANDS = new Set(['remember', 'forget', 'reminders', 'export', 'wipe', 'help', 'reset', 'model', 'usage']);
const COMMAND = /^\/([a-z]+)\b\s*([\s\S]*)$/i;

/** Whether a message is a chat command (answered without the model). */
export const isCommand = (text: string): boolean => COMMANDS.has(COMMAND.exec(text.trim())?.[1]?.toLowerCase() ?? '');

export async function runCommand(text: string, ctx: CommandContext): Promise<CommandResult> {
  const match = COMMAND.exec(text.trim());
  const command = match?.[1]?.toLowerCase();
  const rest = match?.[2]?.trim() ?? '';
  if (command && OWNER_ONLY.has(command) && ctx.role !== 'owner') return `Only my owner can use /${command}.`;
  switch (command) {
    case 'remember': {
      if (!ctx.memory) return 'Memory is not available.';
      if (!rest) return 'Usage: /remember TEXT — for example: /remember the spare key is under the blue pot';
      try {
        const { file, line } = await ctx.memory.write(rest);
        return `Remembered (notes/${file}, line ${line}).`;
      } catch (error) {
        // Told in the chat: a failed turn would be tried again, to the same end.
        if (error instanceof EmptyNote || error instanceof NoteNotText) return error.message;
        throw error;
      }
    }
    case 'forget': {
      if (!ctx.memory) return 'Memory is not available.';
      if (!rest) return 'Usage: /forget TEXT — deletes every note line that mentions TEXT, or a note file by its name.';
      const { files, lines } = await ctx.memory.forget(rest);
      if (files.length === 0) return `Nothing in your notes mentions "${rest}".`;
      return lines === 0 ? `Deleted ${files.join(', ')}.` : `Forgot ${lines} line${lines === 1 ? '' : 's'} in ${files.join(', ')}.`;
    }
    case 'reminders':
      return ctx.reminders ? reminders(rest, ctx.conversationId, ctx.reminders) : 'Reminders are not available.';
    case 'export': {
      if (!ctx.privacy) return 'Export is not available.';
      try {
        const { file, messages } = ctx.privacy.export(ctx.conversationId);
        return `Exported this conversation (${messages} messages) to ${file}.`;
      } catch (error) {
        if (error instanceof ExportRefused) return error.message;
        throw error;
      }
    }
    case 'wipe': {
      if (!ctx.privacy) return 'Wiping is not available.';
      if (rest.toLowerCase() !== 'confirm') return 'This deletes this whole conversation and what I remember of it; it cannot be undone. Send /wipe confirm to go ahead.';
      const { messages } = ctx.privacy.wipe(ctx.conversationId);
      return { text: `Deleted this conversation (${messages} messages) and its memory. I start afresh from your next message.`, wiped: true };
    }
    case 'help':
      return ctx.role === 'owner' ? HELP : HELP.split('\n').filter((line) => !OWNER_ONLY.has(/^\/([a-z]+)/.exec(line)?.[1] ?? '')).join('\n');
    case 'reset':
      ctx.store.reset(ctx.conversationId);
      return 'Context cleared. I will not use the earlier messages from here on.';
    case 'model': {
      try {
        const provider = await ctx.provider();
        const tools = provider.toolsSupported ? '' : ' This model cannot use tools, so it answers without them.';
        return `Answering with ${provider.kind}:${provider.model} (context ${await provider.contextSize()} tokens).${tools}`;
      } catch (error) {
        return (error as Error).message;
      }
    }
    case 'usage': {
      const midnight = new Date();
      midnight.setHours(0, 0, 0, 0);
      const usage = ctx.store.usage(ctx.conversationId, midnight.toISOString());
      const mine = `This conversation: ${usage.conversation.in} tokens in, ${usage.conversation.out} out.`;
      return ctx.role === 'owner' ? `${mine}\nToday, all conversations: ${usage.since.in} in, ${usage.since.out} out.` : mine;
    }
    default:
      return null;
  }
}

function reminders(rest: string, conversationId: string, commands: ReminderCommands): string {
  const pending = commands.list(conversationId);
  const cancel = /^cancel\s+(\S+)$/i.exec(rest);
  if (cancel) {
    const which = cancel[1]!;
    const chosen = /^\d+$/.test(which) ? pending[Number(which) - 1] : pending.find((r) => r.id === which);
    if (!chosen) return `There is no reminder ${which}. ${pending.length ? 'Send /reminders to see them.' : 'You have no pending reminders.'}`;
    commands.cancel(conversationId, chosen.id);
    return `Cancelled: ${chosen.text}`;
  }
  if (rest) return 'Usage: /reminders to list them, /reminders cancel N to cancel one.';
  if (pending.length === 0) return 'You have no pending reminders. Ask me, e.g. "remind me at 9 tomorrow to call Ana".';
  return ['Pending reminders:', ...pending.map((r, i) => `${i + 1}. ${r.at.replace('T', ' ').slice(0, 16)} UTC — ${r.text}`), 'Cancel one with /reminders cancel N.'].join('\n');
}
