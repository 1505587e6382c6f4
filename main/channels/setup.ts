import type { Agent } from '../agent/agent';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import type { Settings } from '../contract/settings';
import type { SecretStore } from '../secrets/secret-store';
import type { Db } from '../store/database';
import type { ChannelPolicy } from './admission';
import { ChannelManager, type ChannelManagerDeps } from './channel-manager';
import { ChannelStore } from './channel-store';
import { TelegramAdapter } from './telegram-adapter';
import { normalizeWhatsAppId, WhatsAppAdapter, type SocketFactory } from './whatsapp-adapter';

// The channels Perch runs: Telegram always (it waits for a bot token until it has one), WhatsApp
// when enabled. Policies are read from settings on every message, so changes apply at once.

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
    }),
  );
  if (settings().whatsapp.enabled) {
    manager.add(
      new WhatsAppAdapter({
        dataDir: setup.dataDir,
        log,
        webSocketUrl: () => settings().whatsapp.webSocketUrl,
        ...(setup.whatsappSocket ? { socketFactory: setup.whatsappSocket } : {}),
      }),
    );
  }
  return manager;
}
