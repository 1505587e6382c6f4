import { EventEmitter } from 'node:events';
import type { AuthenticationState, BaileysEventMap } from '@whiskeysockets/baileys';
import type { SocketFactory, WhatsAppSocket } from '../../main/channels/whatsapp-adapter';

// A stand-in for Baileys' socket (WhatsApp's servers cannot be reached from here): the adapter
// listens on its event emitter exactly as on Baileys' own, and the test plays WhatsApp by emitting
// `connection.update` and `messages.upsert` with Baileys' payload shapes.

export class FakeSocket implements WhatsAppSocket {
  readonly emitter = new EventEmitter();
  readonly ev = {
    on: <T extends keyof BaileysEventMap>(event: T, listener: (arg: BaileysEventMap[T]) => void) => void this.emitter.on(event, listener),
    removeAllListeners: <T extends keyof BaileysEventMap>(event: T) => void this.emitter.removeAllListeners(event),
  };
  user: { id: string } | undefined;
  readonly sent: Array<{ jid: string; text: string }> = [];
  readonly presence: string[] = [];
  ended = false;
  loggedOut = false;
  /** Sending fails while true (a flaky connection). */
  failSends = false;

  constructor(
    readonly auth: AuthenticationState,
    private readonly saveCreds: () => Promise<void>,
  ) {}

  emit<T extends keyof BaileysEventMap>(event: T, arg: BaileysEventMap[T]): void {
    this.emitter.emit(event, arg);
  }

  /** WhatsApp accepting the login: the phone is linked and the connection opens. */
  open(phone = '4915100000000'): void {
    this.user = { id: `${phone}:7@s.whatsapp.net` };
    this.auth.creds.me = { id: this.user.id, name: 'Perch' };
    void this.saveCreds(); // as Baileys' creds.update does
    this.emit('connection.update', { connection: 'open' });
  }

  close(statusCode: number | null, message = 'Connection Failure'): void {
    const error = Object.assign(new Error(message), statusCode === null ? {} : { output: { statusCode } });
    this.emit('connection.update', { connection: 'close', lastDisconnect: { error, date: new Date() } });
  }

  /** A text message as WhatsApp delivers it. */
  message(from: string, text: string, id: string, extra: { group?: string; mentioned?: string[] } = {}): void {
    const jid = `${from.replace('+', '')}@s.whatsapp.net`;
    const key = extra.group ? { remoteJid: extra.group, participant: jid, id, fromMe: false } : { remoteJid: jid, id, fromMe: false };
    const message = extra.mentioned ? { extendedTextMessage: { text, contextInfo: { mentionedJid: extra.mentioned } } } : { conversation: text };
    this.emit('messages.upsert', { type: 'notify', messages: [{ key, message, messageTimestamp: Math.floor(Date.now() / 1000) }] } as unknown as BaileysEventMap['messages.upsert']);
  }

  async sendMessage(jid: string, content: { text: string }): Promise<unknown> {
    if (this.failSends) throw new Error('socket closed');
    this.sent.push({ jid, text: content.text });
    return {};
  }

  async sendPresenceUpdate(type: 'composing', jid: string): Promise<void> {
    this.presence.push(`${type}:${jid}`);
  }

  async logout(): Promise<void> {
    this.loggedOut = true;
  }

  end(): void {
    this.ended = true;
  }
}

/** A socket factory that keeps every socket it made (the newest last). */
export function fakeWhatsApp(): { factory: SocketFactory; sockets: FakeSocket[]; latest(): FakeSocket } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    factory: async ({ auth, saveCreds }) => {
      const socket = new FakeSocket(auth, saveCreds);
      sockets.push(socket);
      return socket;
    },
    latest: () => sockets.at(-1)!,
  };
}
