import { Bot, GrammyError, HttpError } from 'grammy';
import type { Logger } from '../log/logger';
import type { AdapterStatus, ChannelAdapter } from './adapter';
import type { InboundMessage } from './channel-store';

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

  async start(inbound: (message: InboundMessage) => void, onStatus: (status: AdapterStatus) => void): Promise<void> {
    const bot = new Bot(this.options.token, this.options.apiRoot ? { client: { apiRoot: this.options.apiRoot } } : {});
    this.bot = bot;
    bot.on('message', (ctx) => {
      const message = ctx.message;
      const media = ['photo', 'voice', 'video', 'document', 'sticker', 'audio', 'location', 'contact'].find((kind) => kind in message);
      const text = message.text ?? message.caption ?? (media ? `[${media}]` : '[an unsupported message]');
      inbound({
        channel: this.name,
        providerId: `${message.chat.id}:${message.message_id}`,
        peer: String(message.chat.id),
        sender: String(message.from?.id ?? message.chat.id),
        text,
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
    // Chat ids are numbers on Telegram (kept as text by the channels).
    await this.bot.api.sendMessage(/^-?\d+$/.test(peer) ? Number(peer) : peer, text);
  }
}

function describe(error: unknown): string {
  if (error instanceof HttpError) return `cannot reach the Telegram Bot API: ${error.message}`;
  return (error as Error).message;
}
