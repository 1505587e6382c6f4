import type { ChatProvider } from '../inference/provider';
import type { ConversationStore } from './conversation-store';

// Chat commands, answered without the model. Unknown "/words" go to the model as ordinary text.

interface CommandContext {
  conversationId: string;
  store: ConversationStore;
  provider: () => Promise<ChatProvider>;
}

const HELP = [
  'Commands:',
  '/help — this list',
  '/reset — start a fresh context (the history stays stored)',
  '/model — which model answers',
  '/usage — tokens used in this conversation and today',
].join('\n');

export async function runCommand(text: string, ctx: CommandContext): Promise<string | null> {
  const command = /^\/([a-z]+)\b/i.exec(text.trim())?.[1]?.toLowerCase();
  switch (command) {
    case 'help':
      return HELP;
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
      return `This conversation: ${usage.conversation.in} tokens in, ${usage.conversation.out} out.\nToday, all conversations: ${usage.since.in} in, ${usage.since.out} out.`;
    }
    default:
      return null;
  }
}
