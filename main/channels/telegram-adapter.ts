import { Bot, GrammyError, HttpError, InlineKeyboard, type Context, type Transformer } from 'grammy';
import type { Message } from 'grammy/types';
import type { Logger } from '../log/logger';
import { backoffMs } from '../system/backoff';
import { NotStored, secondsToDate, textField, withDate, type AdapterHooks, type ChannelAdapter, type LoginParams } from './adapter';
import { RECONNECT } from './channel-manager';
import { CHANNEL_TEXT_LIMIT } from './reply-chunks';
import { DeadlineExceeded, deadlineOf, failureDetail, TELEGRAM_TIMING, withDeadlines, type TelegramTiming } from './telegram-deadlines';

// Telegram through grammY with long polling. The Bot API root can point at a local emulator.
// Messages without text (photos, voice…) arrive as a placeholder naming what was sent. Every Bot
// API call has a deadline (telegram-deadlines.ts). A token that cannot be checked at start is an
// error the channel manager retries with backoff. Once running, polling looks after itself: a
// failed poll shows "connecting" with the reason and the time of the next try (capped, jittered
// backoff); a poll that has not returned in twice its timeout is abandoned and started again at
// once (the connection under it is likely dead); if that one hangs as well, polling has stalled:
// an error, and the manager restarts the channel.

export interface TelegramOptions {
  /** The bot token: from the environment, else the keychain. */
  token: { get(): Promise<string | null>; set(token: string): Promise<void>; delete(): Promise<void> };
  apiRoot: () => string | null;
  log: Logger;
  /** Deadlines and the poll's timeout (tests shorten them). */
  timing?: Partial<TelegramTiming>;
  /** A polling call not returned in this long is abandoned (default 2 × the poll's timeout). */
  stallMs?: number;
}

const MEDIA = ['photo', 'voice', 'video', 'video_note', 'animation', 'document', 'sticker', 'audio', 'location', 'contact', 'poll'] as const;

export class TelegramAdapter implements ChannelAdapter {
  readonly name = 'telegram';
  private bot: Bot | null = null;
  private readonly timing: TelegramTiming;

  constructor(private readonly options: TelegramOptions) {
    this.timing = { ...TELEGRAM_TIMING, ...options.timing, ...(options.stallMs !== undefined ? { stallMs: options.stallMs } : {}) };
  }

  async start(hooks: AdapterHooks): Promise<void> {
    const token = await this.options.token.get();
    if (!token) {
      hooks.status({ state: 'stopped', detail: 'Not set up: enter a bot token from @BotFather to use Telegram.' });
      return;
    }
    const apiRoot = this.options.apiRoot();
    const timing = this.timing;
    // grammY's own per-request timeout stays as a backstop behind the deadlines, which come first.
    const longest = Math.max(timing.callMs, timing.stallMs ?? 2 * timing.pollSeconds * 1000);
    const bot = new Bot(token, { client: { ...(apiRoot ? { apiRoot } : {}), timeoutSeconds: Math.ceil(longest / 1000) + 5 } });
    this.bot = bot;
    bot.api.config.use(withDeadlines((method, payload) => deadlineOf(timing, method, payload)));
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
    // Checks the token first: a revoked or wrong one is a clear status, not a polling loop; an
    // unreachable API is an error the manager retries with backoff (grammY's bot.init() would retry
    // a network failure by itself, silently and for ever).
    try {
      bot.botInfo = await bot.api.getMe();
    } catch (error) {
      if (refused(error)) return hooks.status({ state: 'logged-out', detail: REFUSED });
      throw new Error(failureDetail(error, apiRoot));
    }
    bot.api.config.use(this.supervisePolling(bot, hooks, apiRoot));
    hooks.status({ state: 'connected', detail: `@${bot.botInfo.username}` });
    void bot.start({ drop_pending_updates: false, allowed_updates: ['message', 'callback_query'], timeout: timing.pollSeconds }).catch((error: unknown) => {
      if (this.bot !== bot) return; // stopped on purpose
      // grammY gives up polling only on a refused token or another poller with the same token.
      hooks.status(refused(error) ? { state: 'logged-out', detail: REFUSED } : { state: 'error', detail: failureDetail(error, apiRoot) });
    });
  }

  /**
   * The calls grammY's polling makes (deleteWebhook, then getUpdates again and again; they carry its
   * stop signal) are retried here rather than by grammY, so that the status can say why and when:
   * a network failure shows "connecting" with the next try, the first stall is retried at once
   * (logged), a second stall in a row is an error (the manager restarts the channel). Answers from
   * the Bot API itself (a refused token, a conflict, flood control) are left to grammY.
   */
  private supervisePolling(bot: Bot, hooks: AdapterHooks, apiRoot: string | null): Transformer {
    const { log } = this.options;
    let failures = 0;
    let stalls = 0;
    let degraded = false;
    const current = () => this.bot === bot;
    return async (prev, method, payload, signal) => {
      if (!signal || (method !== 'getUpdates' && method !== 'deleteWebhook')) return prev(method, payload, signal);
      for (;;) {
        const startedAt = Date.now();
        try {
          const result = await prev(method, payload, signal);
          if (degraded && current()) hooks.status({ state: 'connected', detail: `@${bot.botInfo.username}` });
          degraded = false;
          failures = 0;
          stalls = 0;
          return result;
        } catch (error) {
          if (signal.aborted || !current() || !(error instanceof HttpError)) throw error;
          if (error instanceof DeadlineExceeded) {
            stalls++;
            log.warn('a Telegram poll did not return in time; abandoned', { method, waitedMs: Date.now() - startedAt, limitMs: error.ms, stalls, restart: stalls === 1 });
            if (stalls === 1) continue; // most likely a dead connection: a new request goes out at once
            // Twice in a row: reported, and the manager restarts the channel (this bot waits for that).
            hooks.status({ state: 'error', detail: `cannot reach the Telegram Bot API: polling stalled (no answer to ${method} within ${Math.round(error.ms / 100) / 10} s, twice)` });
            await abortedBy(signal);
            throw error;
          }
          stalls = 0;
          failures++;
          const delay = backoffMs(failures, RECONNECT);
          const detail = failureDetail(error, apiRoot);
          log.warn('Telegram polling failed; trying again', { method, reason: detail, inMs: delay, failures });
          degraded = true;
          hooks.status({ state: 'connecting', detail: `${detail}; retrying`, retryAt: new Date(Date.now() + delay) });
          await sleep(delay, signal);
        }
      }
    };
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

/** What grammY's stop signal offers (its own AbortSignal type, not Node's). */
interface StopSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Resolves after `ms`; rejects as soon as `signal` is aborted (polling stopped). */
function sleep(ms: number, signal: StopSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('polling stopped'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(new Error('polling stopped'));
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** Resolves once polling is stopped. */
function abortedBy(signal: StopSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
