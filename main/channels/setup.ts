import type { Agent } from '../agent/agent';
import type { EventPayload } from '../contract/events';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import type { Settings } from '../contract/settings';
import type { SecretStore } from '../secrets/secret-store';
import type { Db } from '../store/database';
import type { ChannelPolicy } from './admission';
import { ChannelManager, type ChannelManagerDeps } from './channel-manager';
import { ChannelStore } from './channel-store';
import { TelegramAdapter } from './telegram-adapter';
import type { TelegramTiming } from './telegram-deadlines';
import { normalizeWhatsAppId, WhatsAppAdapter, type SocketFactory } from './whatsapp-adapter';

// The channels Perch runs: Telegram always (it waits for a bot token until it has one), WhatsApp
// when enabled. Policies are read from settings on every message, and WhatsApp is started or
// stopped when its setting changes, so every channel setting applies without a restart.

export const TELEGRAM_TOKEN_SECRET = 'telegram-bot-token';

export interface ChannelSetup {
  db: Db;
  dataDir: string;
  agent: Pick<Agent, 'handle'>;
  bus: EventBus;
  log: Logger;
  settings: () => Settings;
  secrets: SecretStore;
  /** PERCH_TELEGRAM_TOKEN: wins over the keychain while set. */
  envTelegramToken: string | null;
  approvals: ChannelManagerDeps['approvals'];
  whatsappSocket?: SocketFactory;
  /** Telegram's deadlines and poll timeout (tests shorten them). */
  telegramTiming?: Partial<TelegramTiming>;
  observe?: ChannelManagerDeps['observe'];
}

export function setupChannels(setup: ChannelSetup): ChannelManager {
  const { settings, secrets, log } = setup;
  const policy = (channel: string): ChannelPolicy => {
    const s = channel === 'whatsapp' ? settings().whatsapp : settings().telegram;
    const allowFrom = channel === 'whatsapp' ? s.allowFrom.map(normalizeWhatsAppId) : s.allowFrom;
    return { allowFrom, dmPolicy: s.dmPolicy, groupPolicy: s.groupPolicy, pairingTtlMinutes: s.pairingTtlMinutes };
  };
  const manager = new ChannelManager({
    store: new ChannelStore(setup.db),
    agent: setup.agent,
    bus: setup.bus,
    log,
    policy,
    approvals: setup.approvals,
    limits: () => settings().limits,
    personOf: (channel, peer) => (channel === 'whatsapp' ? normalizeWhatsAppId(peer) : peer),
    ...(setup.observe ? { observe: setup.observe } : {}),
  });
  manager.add(
    new TelegramAdapter({
      token: {
        get: async () => setup.envTelegramToken ?? (await secrets.get(TELEGRAM_TOKEN_SECRET)),
        set: (token) => secrets.set(TELEGRAM_TOKEN_SECRET, token),
        delete: () => secrets.delete(TELEGRAM_TOKEN_SECRET),
      },
      apiRoot: () => settings().telegram.apiRoot,
      log,
      ...(setup.telegramTiming ? { timing: setup.telegramTiming } : {}),
    }),
  );
  const whatsapp = () =>
    new WhatsAppAdapter({
      dataDir: setup.dataDir,
      log,
      webSocketUrl: () => settings().whatsapp.webSocketUrl,
      ...(setup.whatsappSocket ? { socketFactory: setup.whatsappSocket } : {}),
    });
  if (settings().whatsapp.enabled) manager.add(whatsapp());
  // Turning WhatsApp on or off in Settings applies at once, and a new address reconnects it: one
  // change at a time, each acting on the settings as they are then (so the latest wins).
  let applying = Promise.resolve();
  setup.bus.subscribe((event, payload) => {
    if (event !== 'settings.changed') return;
    const { changed } = payload as EventPayload<'settings.changed'>;
    if (!changed.includes('whatsapp.enabled') && !changed.includes('whatsapp.webSocketUrl')) return;
    const readdressed = changed.includes('whatsapp.webSocketUrl');
    applying = applying
      .then(async () => {
        const on = settings().whatsapp.enabled;
        if (on && !manager.has('whatsapp')) await manager.enable(whatsapp());
        else if (!on && manager.has('whatsapp')) await manager.disable('whatsapp');
        else if (on && readdressed) await manager.reconnect('whatsapp');
        log.info('WhatsApp setting applied', { enabled: on, reconnected: on && readdressed });
      })
      .catch((error: Error) => log.error('a WhatsApp setting could not be applied', { error: error.message }));
  });
  return manager;
}
