import { Bot, GrammyError, HttpError, InlineKeyboard, type Context } from 'grammy';
import type { Message } from 'grammy/types';
import type { Logger } from '../log/logger';
import { NotStored, secondsToDate, textField, withDate, type AdapterHooks, type ChannelAdapter, type LoginParams } from './adapter';
import { CHANNEL_TEXT_LIMIT } from './reply-chunks';

// Telegram through grammY with long polling. The Bot API root can point at a local emulator.
// Messages without text (photos, voice…) arrive as a placeholder naming what was sent. grammY
// retries failed polls by itself every few seconds; this adapter shows that as "connecting" and
// restarts polling that has stopped answering altogether.

export interface TelegramOptions {
  /** The bot token: from the environment, else the keychain. */
  token: { get(): Promise<string | null>; set(token: string): Promise<void>; delete(): Promise<void> };
  apiRoot: () => string | null;
  log: Logger;
  /** Polling that has not come back for this long is stuck and gets restarted. */
  stallMs?: number;
}

const MEDIA = ['photo', 'voice', 'video', 'video_note', 'animation', 'document', 'sticker', 'audio', 'location', 'contact', 'poll'] as const;
/** grammY's long poll waits up to 30 s for updates. */
const POLL_SECONDS = 30;

export class TelegramAdapter implements ChannelAdapter {
  readonly name = 'telegram';
  private bot: Bot | null = null;
  private watchdog: NodeJS.Timeout | null = null;

  constructor(private readonly options: TelegramOptions) {}

  async start(hooks: AdapterHooks): Promise<void> {
    const token = await this.options.token.get();
    if (!token) {
      hooks.status({ state: 'stopped', detail: 'Not set up: enter a bot token from @BotFather to use Telegram.' });
      return;
    }
    const apiRoot = this.options.apiRoot();
    const bot = new Bot(token, apiRoot ? { client: { apiRoot } } : {});
    this.bot = bot;
    bot.on('message', (ctx) => this.received(ctx, ctx.message, hooks));
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
          const original = (ctx.callbackQuery.message && 'text' in ctx.callbackQuery.message ? ctx.callbackQuery.message.text : '') ?? '';
          // The outcome is kept whole: what is cut to fit is the end of the offer.
          const kept = original.slice(0, Math.max(0, CHANNEL_TEXT_LIMIT - outcome.length - 3));
          await ctx.editMessageText(`${kept}${kept.length < original.length ? '…' : ''}\n\n${outcome}`.trim().slice(0, CHANNEL_TEXT_LIMIT)).catch(() => undefined);
        },
      });
    });
    bot.catch((error) => {
      // Not stored (a full disk): polling stops without confirming this update, so Telegram hands it
      // over again when the channel restarts; confirming it would lose it.
      if (error.error instanceof NotStored) throw error.error;
      this.options.log.warn('a Telegram update failed', { error: error.message });
    });
    // Checks the token first: a revoked or wrong one is a clear status, not a polling loop.
    try {
      await bot.init();
    } catch (error) {
      if (refused(error)) return hooks.status({ state: 'logged-out', detail: REFUSED });
      throw new Error(describe(error));
    }
    this.watchPolling(bot, hooks);
    hooks.status({ state: 'connected', detail: `@${bot.botInfo.username}` });
    void bot.start({ drop_pending_updates: false, allowed_updates: ['message', 'callback_query'], timeout: POLL_SECONDS }).catch((error: unknown) => {
      if (this.bot !== bot) return; // stopped on purpose
      // grammY gives up polling only on a refused token or another poller with the same token.
      hooks.status(refused(error) ? { state: 'logged-out', detail: REFUSED } : { state: 'error', detail: describe(error) });
    });
  }

  /** Every poll that comes back marks the channel connected; one that fails shows "connecting"
   * while grammY retries; polling silent for too long is reported as an error (and restarted). */
  private watchPolling(bot: Bot, hooks: AdapterHooks): void {
    let lastPoll = Date.now();
    let reachable = true;
    bot.api.config.use(async (prev, method, payload, signal) => {
      if (method !== 'getUpdates') return prev(method, payload, signal);
      try {
        const result = await prev(method, payload, signal);
        lastPoll = Date.now();
        if (!reachable) hooks.status({ state: 'connected', detail: `@${bot.botInfo.username}` });
        reachable = true;
        return result;
      } catch (error) {
        lastPoll = Date.now();
        if (reachable && error instanceof HttpError && this.bot === bot) hooks.status({ state: 'connecting', detail: `${describe(error)}; retrying` });
        reachable = !(error instanceof HttpError);
        throw error;
      }
    });
    const stallMs = this.options.stallMs ?? (POLL_SECONDS + 60) * 1000;
    this.watchdog = setInterval(() => {
      if (Date.now() - lastPoll > stallMs) hooks.status({ state: 'error', detail: `Telegram polling stalled (no answer for ${Math.round(stallMs / 1000)} s)` });
    }, Math.min(stallMs, 30_000));
    this.watchdog.unref();
  }

  private received(ctx: Context, message: Message, hooks: AdapterHooks): void {
    const media = MEDIA.find((kind) => kind in message);
    const text = textField(message.text) ?? textField(message.caption) ?? (media ? `[${media}]` : '[an unsupported message]');
    const group = message.chat.type === 'group' || message.chat.type === 'supergroup';
    const me = ctx.me;
    const mentioned = (message.entities ?? message.caption_entities ?? []).some(
      (e) => e.type === 'mention' && text.slice(e.offset, e.offset + e.length).toLowerCase() === `@${me.username.toLowerCase()}`,
    );
    hooks.inbound({
      channel: this.name,
      providerId: `${message.chat.id}:${message.message_id}`,
      peer: String(message.chat.id),
      sender: String(message.from?.id ?? message.chat.id),
      text,
      group,
      addressed: group && (mentioned || message.reply_to_message?.from?.id === me.id),
      ...(media ? { media } : {}),
      ...withDate(secondsToDate(message.date)),
    });
  }

  async stop(): Promise<void> {
    const bot = this.bot;
    this.bot = null;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    // Stopping aborts the pending poll; a Bot API that does not answer cannot hold up a shutdown.
    if (bot?.isRunning()) await Promise.race([bot.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000).unref())]);
  }

  async login({ token }: LoginParams): Promise<void> {
    if (!token) throw new MissingToken('Telegram needs a bot token: create one with @BotFather and paste it here.');
    await this.options.token.set(token);
  }

  async logout(): Promise<void> {
    await this.options.token.delete();
  }

  async send(peer: string, text: string): Promise<void> {
    await this.running().api.sendMessage(chatId(peer), text);
  }

  async sendApproval(peer: string, text: string, approvalId: string): Promise<void> {
    const keyboard = new InlineKeyboard().text('Approve', `approve:${approvalId}`).text('Deny', `deny:${approvalId}`);
    await this.running().api.sendMessage(chatId(peer), text, { reply_markup: keyboard });
  }

  async typing(peer: string): Promise<void> {
    await this.running().api.sendChatAction(chatId(peer), 'typing');
  }

  private running(): Bot {
    if (!this.bot) throw new Error('Telegram is not running');
    return this.bot;
  }
}

export class MissingToken extends Error {}

const REFUSED = 'The bot token was refused (revoked or wrong): set a new one.';

const refused = (error: unknown) => error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404);

/** Chat ids are numbers on Telegram (kept as text by the channels). */
function chatId(peer: string): number | string {
  return /^-?\d+$/.test(peer) ? Number(peer) : peer;
}

function describe(error: unknown): string {
  if (error instanceof HttpError) return `cannot reach the Telegram Bot API: ${error.message}`;
  return (error as Error).message;
}
