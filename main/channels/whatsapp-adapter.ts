import path from 'node:path';
import type { AuthenticationState, BaileysEventEmitter, ConnectionState, WAMessage } from '@whiskeysockets/baileys';
import type { Logger } from '../log/logger';
import { NotStored, secondsToDate, textField, withDate, type AdapterHooks, type ChannelAdapter } from './adapter';
import type { InboundMessage } from './channel-store';
import { clearAuthState, CorruptAuthState, openAuthState, type AuthLib, type AuthStore } from './whatsapp-auth-state';

// WhatsApp through Baileys, linked to the owner's phone by a QR code. The login lives in the data
// dir (0700). A connection that closes for a passing reason is reported as an error (the channel
// manager reconnects with capped, jittered backoff); being logged out, an expired QR code or a
// damaged login asks the owner to log in again instead of looping. Text in, text out; media arrive
// as placeholders.

/** The part of a Baileys socket Perch uses (a test injects a stand-in with Baileys' event map). */
export interface WhatsAppSocket {
  ev: Pick<BaileysEventEmitter, 'on' | 'removeAllListeners'>;
  user?: { id: string; lid?: string } | undefined;
  sendMessage(jid: string, content: { text: string }): Promise<unknown>;
  sendPresenceUpdate(type: 'composing', jid: string): Promise<void>;
  logout(): Promise<void>;
  end(error: Error | undefined): void | Promise<void>;
}

export type SocketFactory = (options: { auth: AuthenticationState; saveCreds: () => Promise<void>; webSocketUrl: string | null; logger: Logger }) => Promise<WhatsAppSocket>;

export interface WhatsAppOptions {
  dataDir: string;
  log: Logger;
  webSocketUrl: () => string | null;
  socketFactory?: SocketFactory;
  /** Baileys' helpers for the login files; loaded with Baileys unless given. */
  authLib?: AuthLib;
  /** A connection neither open nor closed after this long is ended and retried. */
  watchdogMs?: number;
}

/** Baileys' close codes (DisconnectReason) that Perch treats differently. */
const LOGGED_OUT = 401;
const TIMED_OUT = 408;
const REPLACED = 440;
const RESTART_REQUIRED = 515;
const UNSAVED_RETRY_MS = 5_000;

export class WhatsAppAdapter implements ChannelAdapter {
  readonly name = 'whatsapp';
  private socket: WhatsAppSocket | null = null;
  private open = false;
  private qrShown = false;
  private watchdog: NodeJS.Timeout | null = null;
  private hooks: AdapterHooks | null = null;
  /** Messages that could not be stored yet (a full disk), oldest first, and the timer retrying them. */
  private readonly unsaved: InboundMessage[] = [];
  private unsavedTimer: NodeJS.Timeout | null = null;
  private me: string[] = [];
  /** Bumped by stop(): a connection still being made when it came is ended, not kept. */
  private epoch = 0;
  /** Whether the login on disk is linked to a phone (a QR code was scanned and not revoked). */
  private linked = false;

  constructor(private readonly options: WhatsAppOptions) {}

  private get authDir(): string {
    return path.join(this.options.dataDir, 'whatsapp-auth');
  }

  async start(hooks: AdapterHooks): Promise<void> {
    this.hooks = hooks; // messages kept for want of room go to the latest connection's hooks
    const lib = this.options.authLib ?? (await import('@whiskeysockets/baileys'));
    let auth: AuthStore;
    try {
      auth = await openAuthState(this.authDir, lib);
    } catch (error) {
      if (error instanceof CorruptAuthState) return hooks.status({ state: 'logged-out', detail: error.message });
      throw error;
    }
    await this.connect(auth, hooks);
  }

  private async connect(auth: AuthStore, hooks: AdapterHooks): Promise<void> {
    const linked = auth.linked;
    this.linked = linked;
    const epoch = this.epoch;
    // A write that fails (the login was just deleted by a logout) must not take the app down.
    const saveCreds = () => auth.saveCreds().catch((error: Error) => this.options.log.warn('could not save the WhatsApp login', { error: error.message }));
    const socket = await (this.options.socketFactory ?? baileysSocket)({ auth: auth.state, saveCreds, webSocketUrl: this.options.webSocketUrl(), logger: this.options.log });
    if (epoch !== this.epoch) {
      // Stopped (turned off, logged out) while the socket was being made.
      await Promise.resolve(socket.end(undefined)).catch(() => undefined);
      return;
    }
    this.socket = socket;
    this.open = false;
    this.qrShown = false;
    this.armWatchdog(socket, hooks);
    socket.ev.on('connection.update', (update) => this.connectionUpdate(socket, update, auth, linked, hooks));
    socket.ev.on('messages.upsert', ({ messages, type }) => {
      if (type !== 'notify' || socket !== this.socket) return;
      for (const message of messages ?? []) {
        // One malformed message must not stop the ones after it.
        try {
          const inbound = this.canonical(message);
          if (inbound) this.deliverInbound(inbound, hooks);
        } catch (error) {
          this.options.log.warn('a WhatsApp message could not be read', { error: (error as Error).message });
        }
      }
    });
  }

  /**
   * Hands a message over; one that cannot be stored (a full disk) is kept here and tried again
   * every few seconds: WhatsApp does not deliver it a second time.
   */
  private deliverInbound(message: InboundMessage, hooks: AdapterHooks): void {
    try {
      if (this.unsaved.length > 0) throw new NotStored('older messages wait to be stored'); // keeps their order
      hooks.inbound(message);
    } catch (error) {
      if (!(error instanceof NotStored)) throw error;
      this.unsaved.push(message);
      this.unsavedTimer ??= setInterval(() => {
        while (this.unsaved.length > 0) {
          try {
            this.hooks?.inbound(this.unsaved[0]!);
          } catch {
            return; // still no room: next time
          }
          this.unsaved.shift();
        }
        clearInterval(this.unsavedTimer!);
        this.unsavedTimer = null;
      }, UNSAVED_RETRY_MS);
      this.unsavedTimer.unref();
    }
  }

  /** Ends a connection that neither opens, closes nor shows a QR code in time; one timer, never a loop. */
  private armWatchdog(socket: WhatsAppSocket, hooks: AdapterHooks): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    const ms = this.options.watchdogMs ?? 90_000;
    this.watchdog = setTimeout(() => {
      if (socket !== this.socket || this.open) return;
      void Promise.resolve(socket.end(new Error('connection watchdog'))).catch(() => undefined);
      hooks.status({ state: 'error', detail: `WhatsApp did not answer within ${(ms / 1000).toLocaleString('en', { maximumFractionDigits: 1 })} s` });
    }, ms);
    this.watchdog.unref();
  }

  private connectionUpdate(socket: WhatsAppSocket, update: Partial<ConnectionState>, auth: AuthStore, linked: boolean, hooks: AdapterHooks): void {
    if (socket !== this.socket) return;
    if (update.qr) {
      this.qrShown = true;
      this.armWatchdog(socket, hooks); // each fresh code is progress
      hooks.qr(update.qr);
      hooks.status({ state: 'connecting', detail: 'Scan the QR code with WhatsApp on your phone: Settings → Linked devices → Link a device.' });
    }
    if (update.connection === 'open') {
      this.open = true;
      this.linked = true;
      if (this.watchdog) clearTimeout(this.watchdog);
      this.me = [socket.user?.id, socket.user?.lid].filter((jid): jid is string => Boolean(jid)).map(bareJid);
      hooks.status({ state: 'connected', detail: socket.user ? phoneOf(socket.user.id) ?? undefined : undefined });
    }
    if (update.connection !== 'close') return;
    this.open = false;
    if (this.watchdog) clearTimeout(this.watchdog);
    const error = update.lastDisconnect?.error as (Error & { output?: { statusCode?: number } }) | undefined;
    const code = error?.output?.statusCode;
    this.socket = null;
    if (code === LOGGED_OUT) {
      clearAuthState(this.authDir);
      this.linked = false;
      return hooks.status({ state: 'logged-out', detail: 'WhatsApp logged this device out: log in again to scan a new QR code.' });
    }
    if (code === REPLACED) return hooks.status({ state: 'logged-out', detail: 'Another WhatsApp Web session with this login took over: log in again here to take it back.' });
    // 408 is also what a failed network connection closes with: only after QR codes were shown does it mean they ran out.
    if (code === TIMED_OUT && !linked && this.qrShown) return hooks.status({ state: 'logged-out', detail: 'The QR code expired before it was scanned: log in again for a new one.' });
    // After a QR scan WhatsApp asks for a new connection at once: that is the login finishing
    // (with the credentials in memory: the scan's are still being written).
    if (code === RESTART_REQUIRED) {
      void this.connect({ ...auth, linked: true }, hooks).catch((failure: Error) => hooks.status({ state: 'error', detail: failure.message }));
      return;
    }
    hooks.status({ state: 'error', detail: describeClose(error) });
  }

  /** A WhatsApp message as every channel reports it, or null for what Perch ignores (own, status updates). */
  private canonical(message: WAMessage): Parameters<AdapterHooks['inbound']>[0] | null {
    const key = message?.key;
    const chat = key?.remoteJid;
    if (!key || !chat || !key.id || key.fromMe || chat === 'status@broadcast' || chat.endsWith('@newsletter')) return null;
    const group = chat.endsWith('@g.us');
    const content = message.message ?? {};
    const context = content.extendedTextMessage?.contextInfo ?? null;
    const caption = content.imageMessage?.caption ?? content.videoMessage?.caption ?? content.documentMessage?.caption ?? null;
    const text = textField(content.conversation) ?? textField(content.extendedTextMessage?.text) ?? textField(caption);
    const media = ['image', 'video', 'audio', 'document', 'sticker', 'location', 'contact'].find((kind) => `${kind}Message` in content);
    // The sender by phone number where WhatsApp tells it (it may address people by a private "lid").
    const from = group ? [key.participantAlt, key.participant] : [key.remoteJidAlt, chat];
    const sender = from.map((jid) => phoneOf(jid)).find(Boolean) ?? bareJid(from.find(Boolean) ?? chat);
    const addressed = group && ((context?.mentionedJid ?? []).some((jid) => this.me.includes(bareJid(jid))) || (context?.participant ? this.me.includes(bareJid(context.participant)) : false));
    return {
      channel: this.name,
      providerId: `${chat}:${key.id}`,
      peer: chat,
      sender,
      text: text ?? (media ? `[${media}]` : '[an unsupported message]'),
      group,
      addressed,
      ...(media ? { media } : {}),
      ...withDate(secondsToDate(message.messageTimestamp)),
    };
  }

  async stop(): Promise<void> {
    this.epoch++;
    const socket = this.socket;
    this.socket = null;
    this.open = false;
    if (this.watchdog) clearTimeout(this.watchdog);
    if (!socket) return;
    socket.ev.removeAllListeners('connection.update');
    socket.ev.removeAllListeners('messages.upsert');
    await Promise.resolve(socket.end(undefined)).catch(() => undefined);
  }

  /**
   * A fresh login: an unlinked (or half-done) login is forgotten so a new QR code comes. A linked
   * one is kept and simply reconnected: a network that is down is no reason to unlink the phone
   * (WhatsApp says so itself when the link was revoked, and the login is forgotten then).
   */
  async login(): Promise<void> {
    if (!this.linked && !this.open) clearAuthState(this.authDir);
  }

  /** Unlinks this device on the phone (when connected) and deletes the login. */
  async logout(): Promise<void> {
    if (this.socket && this.open) await this.socket.logout().catch((error: Error) => this.options.log.warn('WhatsApp logout failed; deleting the login here anyway', { error: error.message }));
    await this.stop();
    clearAuthState(this.authDir);
    this.linked = false;
  }

  async send(peer: string, text: string): Promise<void> {
    await this.connected().sendMessage(toJid(peer), { text });
  }

  async typing(peer: string): Promise<void> {
    await this.connected().sendPresenceUpdate('composing', toJid(peer));
  }

  private connected(): WhatsAppSocket {
    if (!this.socket || !this.open) throw new Error('WhatsApp is not connected');
    return this.socket;
  }
}

/** "4915112345678:12@s.whatsapp.net" → "4915112345678@s.whatsapp.net" (the device part dropped). */
function bareJid(jid: string): string {
  return jid.replace(/:\d+@/, '@');
}

/** "+4915112345678" for a phone-number JID, else null (a group, a private "lid"…). */
function phoneOf(jid: string | null | undefined): string | null {
  const match = jid ? /^(\d{5,16})(?::\d+)?@s\.whatsapp\.net$/.exec(jid) : null;
  return match ? `+${match[1]}` : null;
}

/** A chat to send to: a JID as received, or the owner's "+digits" from the allowlist. */
function toJid(peer: string): string {
  return /^\+\d{5,16}$/.test(peer) ? `${peer.slice(1)}@s.whatsapp.net` : peer;
}

/** WhatsApp senders are compared as "+digits": "+49 151 1234-5678", "4915112345678@s.whatsapp.net" → "+4915112345678". */
export function normalizeWhatsAppId(id: string): string {
  const phone = phoneOf(id) ?? (/^\+?[\d\s().-]{5,24}$/.test(id) ? `+${id.replace(/\D/g, '')}` : null);
  return phone ?? id;
}

function describeClose(error: (Error & { output?: { statusCode?: number } }) | undefined): string {
  if (!error) return 'the connection to WhatsApp closed';
  // Baileys keeps the socket's error (with its errno code) as the Boom's data.
  const cause = (error as Error & { data?: { code?: string } }).data?.code;
  const raw = `${error.message} ${cause ?? ''}`;
  // No name lookup at all is what a computer without a network gets.
  if (/ENOTFOUND|EAI_AGAIN/.test(raw)) return `cannot reach WhatsApp: this computer seems to be offline (${error.message})`;
  if (/ECONNREFUSED|ENETUNREACH|ETIMEDOUT|ECONNRESET/.test(raw)) return `cannot reach WhatsApp (${error.message})`;
  return `the connection to WhatsApp closed: ${error.message}${error.output?.statusCode ? ` (code ${error.output.statusCode})` : ''}`;
}

/** The real socket: Baileys, loaded on first use (it is large), quiet, with no history sync. */
const baileysSocket: SocketFactory = async ({ auth, saveCreds, webSocketUrl, logger }) => {
  const baileys = await import('@whiskeysockets/baileys');
  const socket = baileys.makeWASocket({
    auth,
    logger: quietLogger(logger),
    browser: baileys.Browsers.appropriate('Perch'),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    shouldSyncHistoryMessage: () => false,
    connectTimeoutMs: 20_000,
    ...(webSocketUrl ? { waWebSocketUrl: webSocketUrl } : {}),
  });
  socket.ev.on('creds.update', () => void saveCreds());
  return socket as unknown as WhatsAppSocket;
};

/** Baileys logs a great deal (message contents among it): only its errors reach Perch's log, without their details. */
function quietLogger(log: Logger) {
  const quiet = {
    level: 'error',
    child: () => quiet,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (_obj: unknown, msg?: string) => log.warn('WhatsApp (Baileys) reported an error', { message: typeof msg === 'string' ? msg.slice(0, 200) : 'unknown' }),
  };
  return quiet;
}
