import { Bot, GrammyError, HttpError, InlineKeyboard } from 'grammy';
import type { Logger } from '../log/logger';
import type { AdapterHooks, ChannelAdapter } from './adapter';

// Telegram through grammY with long polling. The Bot API root can point at a local emulator.
// Messages without text (photos, voice…) arrive as a placeholder naming what was sent.

export interface TelegramOptions {
  token: string;
  apiRoot: string | null;
  log: Logger;
}

export class TelegramAdapter implements ChannelAdapter {
  readonly name = 'telegram';
  private bot: Bot | null = null;

  constructor(private readonly options: TelegramOptions) {}

  async start(hooks: AdapterHooks): Promise<void> {
    const onStatus = hooks.status;
    const bot = new Bot(this.options.token, this.options.apiRoot ? { client: { apiRoot: this.options.apiRoot } } : {});
    this.bot = bot;
    bot.on('message', (ctx) => {
      const message = ctx.message;
      const media = ['photo', 'voice', 'video', 'document', 'sticker', 'audio', 'location', 'contact'].find((kind) => kind in message);
      const text = message.text ?? message.caption ?? (media ? `[${media}]` : '[an unsupported message]');
      hooks.inbound({
        channel: this.name,
        providerId: `${message.chat.id}:${message.message_id}`,
        peer: String(message.chat.id),
        sender: String(message.from?.id ?? message.chat.id),
        text,
      });
    });
    // Approve / Deny under an approval request: callback data "approve:ID" or "deny:ID".
    bot.on('callback_query:data', async (ctx) => {
      const match = /^(approve|deny):([a-z0-9]{6})$/.exec(ctx.callbackQuery.data);
      if (!match) {
        await ctx.answerCallbackQuery({ text: 'This button is no longer valid.' });
        return;
      }
      hooks.action({
        sender: String(ctx.from.id),
        approvalId: match[2]!,
        decision: match[1] as 'approve' | 'deny',
        settle: async (outcome) => {
          await ctx.answerCallbackQuery({ text: outcome.slice(0, 190) });
          const original = ctx.callbackQuery.message && 'text' in ctx.callbackQuery.message ? ctx.callbackQuery.message.text : '';
          await ctx.editMessageText(`${original ?? ''}\n\n${outcome}`.trim().slice(0, 4000)).catch(() => undefined);
        },
      });
    });
    bot.catch((error) => this.options.log.warn('a Telegram update failed', { error: error.message }));
    // Checks the token first: a revoked or wrong one is a clear status, not a polling loop.
    try {
      await bot.init();
    } catch (error) {
      const revoked = error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404);
      onStatus({ state: revoked ? 'logged-out' : 'error', detail: revoked ? 'The bot token was refused (revoked or wrong): set a new one.' : describe(error) });
      throw error;
    }
    onStatus({ state: 'connected', detail: `@${bot.botInfo.username}` });
    void bot
      .start({ drop_pending_updates: false, allowed_updates: ['message', 'callback_query'] })
      .catch((error: unknown) => onStatus({ state: 'error', detail: describe(error) }));
  }

  async stop(): Promise<void> {
    if (this.bot?.isRunning()) await this.bot.stop();
  }

  async send(peer: string, text: string): Promise<void> {
    if (!this.bot) throw new Error('Telegram is not running');
    await this.bot.api.sendMessage(chatId(peer), text);
  }

  async sendApproval(peer: string, text: string, approvalId: string): Promise<void> {
    if (!this.bot) throw new Error('Telegram is not running');
    const keyboard = new InlineKeyboard().text('Approve', `approve:${approvalId}`).text('Deny', `deny:${approvalId}`);
    await this.bot.api.sendMessage(chatId(peer), text, { reply_markup: keyboard });
  }
}

/** Chat ids are numbers on Telegram (kept as text by the channels). */
function chatId(peer: string): number | string {
  return /^-?\d+$/.test(peer) ? Number(peer) : peer;
}

function describe(error: unknown): string {
  if (error instanceof HttpError) return `cannot reach the Telegram Bot API: ${error.message}`;
  return (error as Error).message;
}
