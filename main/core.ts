import fs from 'node:fs';
import path from 'node:path';
import pkg from '../package.json';
import { Agent } from './agent/agent';
import { agentMigrations, ConversationStore } from './agent/conversation-store';
import { agentHandlers } from './agent/handlers';
import { Lanes } from './agent/lanes';
import { approvalMigrations, ApprovalStore } from './approvals/approval-store';
import { ApprovalGate } from './approvals/gate';
import { approvalHandlers } from './approvals/handlers';
import { auditMigrations } from './audit/audit-log';
import { openAuditLog } from './audit/open-audit';
import { auditHandlers } from './audit/handlers';
import { authHandlers, loginLinkHandlers, rotationHandlers } from './auth/handlers';
import { secretHandlers } from './secrets/handlers';
import { authMigrations, Credentials, LOGIN_CODE_TTL_MS, resolveGatewayToken, type TokenSource } from './auth/credentials';
import { readRuntimeConfig, type RuntimeConfig } from './config/runtime-config';
import { scrubSecretEnv } from './config/secret-env';
import type { EventPayload } from './contract/events';
import type { Result } from './contract/methods';
import { EventBus } from './events/bus';
import { eventHandlers } from './gateway/event-handlers';
import { GatewayMetrics } from './gateway/metrics';
import { Router } from './gateway/router';
import { startGateway, type Gateway, type GatewayOptions } from './gateway/server';
import { createLogger, type Logger } from './log/logger';
import { openSecretStore, type KeytarLike, type SecretStore } from './secrets/secret-store';
import { settingsHandlers } from './settings/handlers';
import { settingsMigrations, SettingsService } from './settings/settings-service';
import { closeDatabase, openDatabase, sqliteVecVersion, type Db } from './store/database';
import { acquireInstanceLock, type InstanceLock } from './store/instance-lock';
import { openRunDir } from './store/run-dir';
import { migrate, type Migration } from './store/migrations';
import type { BreakerOptions } from './inference/failover';
import { ModelCatalog, type CatalogEntry } from './inference/catalog';
import { ModelDownloads } from './inference/downloads';
import { inferenceHandlers } from './inference/handlers';
import { FitJudge } from './inference/model-fit';
import { ChatModelStatus } from './inference/model-status';
import { detectOllama, OLLAMA_DEFAULT_URL } from './inference/model-catalog';
import { ModelManager } from './inference/model-manager';
import { NO_MODEL_SERVER_HINT } from './inference/provider';
import { HealthRegistry } from './system/health';
import { DomainMetrics } from './system/domain-metrics';
import { channelMigrations } from './channels/channel-store';
import { channelHandlers } from './channels/handlers';
import { setupChannels } from './channels/setup';
import type { TelegramTiming } from './channels/telegram-deadlines';
import type { ChannelManager } from './channels/channel-manager';
import type { SocketFactory } from './channels/whatsapp-adapter';
import { Tray } from './system/tray-snapshot';
import { privacyHandlers } from './privacy/handlers';
import { webFetchTool } from './tools/web-fetch';
import { Privacy } from './privacy/privacy';
import { privacyMigrations, Retention } from './privacy/retention';
import { updateHandlers, Updates } from './system/updates';
import { scheduleHandlers } from './scheduler/handlers';
import { mcpHandlers } from './mcp/handlers';
import { mcpMigrations } from './mcp/server-store';
import { McpService } from './mcp/service';
import { attachMcpTools } from './mcp/tool-bridge';
import { reminderCommands, reminderTool } from './scheduler/reminders';
import { InvalidSchedule } from './scheduler/schedule';
import { scheduleMigrations, ScheduleStore } from './scheduler/schedule-store';
import { Scheduler, type Target } from './scheduler/scheduler';
import { memoryHandlers } from './memory/handlers';
import { EmptyQuery, Memory } from './memory/memory';
import { memoryMigrations, MemoryStore } from './memory/memory-store';
import { memoryTools } from './memory/tools';
import { execTool } from './tools/exec';
import { getTimeTool } from './tools/get-time';
import { ToolRegistry } from './tools/registry';
import { systemHandlers } from './system/handlers';

// The composition root: configuration → lock → logging → database → domains → router → gateway.
// It runs the same under plain Node (headless) and inside Electron's main process.

export const VERSION: string = pkg.version;

/** Every domain's migrations, in the order the domains depend on each other. */
export const allMigrations: Migration[] = [...settingsMigrations, ...authMigrations, ...agentMigrations, ...auditMigrations, ...approvalMigrations, ...memoryMigrations, ...channelMigrations, ...scheduleMigrations, ...privacyMigrations, ...mcpMigrations];

/** Conversations answered at the same time (each conversation is itself one at a time). */
const CONCURRENT_CONVERSATIONS = 4;
const MODEL_CALL_TIMEOUT_MS = 120_000;
const OPENAI_KEY_SECRET = 'openai-api-key';
const OLLAMA_PROBE_DELAY_MS = 300;

export interface CoreOptions {
  mode: 'headless' | 'desktop';
  env?: NodeJS.ProcessEnv;
  /** The built dashboard; null serves none. */
  staticDir?: string | null;
  /** Print logs to the console as well as the log file (default true). */
  consoleLog?: boolean;
  loadKeytar?: () => Promise<KeytarLike>;
  authTimeoutMs?: number;
  /** The gateway's lane for connections not signed in yet (the fuzz lifts its budget). */
  signIn?: GatewayOptions['signIn'];
  /** The recommended models to download (tests point it at a local server); PERCH_MODEL_CATALOG does the same from outside. */
  modelCatalog?: CatalogEntry[];
  /** A download that receives nothing this long is stopped and reported (default 30 s; tests shorten it). */
  downloadStallMs?: number;
  /** Where to look for a local Ollama (default 127.0.0.1:11434). */
  ollamaUrl?: string;
  /** The deadline of one model call (default 120 s; tests shorten it). */
  modelCallTimeoutMs?: number;
  /** Circuit-breaker timing for the model chain (tests shorten it). */
  breaker?: BreakerOptions;
  /** A stand-in for Baileys' socket (WhatsApp's servers cannot be reached from tests). */
  whatsappSocket?: SocketFactory;
  /** Telegram's deadlines and poll timeout (tests shorten them). */
  telegramTiming?: Partial<TelegramTiming>;
  /** better-sqlite3's native binding to load (the desktop's, built for Electron); default: npm's, built for Node. */
  nativeBinding?: string | null;
}

export interface Core {
  readonly config: RuntimeConfig;
  readonly version: string;
  readonly log: Logger;
  readonly db: Db;
  readonly bus: EventBus;
  readonly router: Router;
  readonly gateway: Gateway;
  readonly settings: SettingsService;
  /** The desktop shell reports its update state here. */
  readonly updates: Updates;
  readonly secrets: SecretStore;
  readonly health: HealthRegistry;
  readonly models: ModelManager;
  readonly agent: Agent;
  readonly memory: Memory;
  readonly downloads: ModelDownloads;
  /** MCP servers (their supervisor and the hub their tools are called through). */
  readonly mcp: McpService;
  status(): Result<'system.status'>;
  /** A one-time dashboard link (the code is in the fragment, so it never reaches a server log). */
  issueLoginLink(): { url: string; expiresInMs: number };
  stop(): Promise<void>;
}


export async function startCore(options: CoreOptions): Promise<Core> {
  const env = options.env ?? process.env;
  const config = readRuntimeConfig(env);
  // Read once, then gone from this process: approved commands must not find them in /proc.
  const scrubbed = scrubSecretEnv();
  const startedAt = new Date();
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  const cleanup: Array<() => void | Promise<void>> = [];
  // Every step runs even if one before it fails (the lock must be released whatever happens).
  const unwind = async () => {
    let first: unknown = null;
    for (const step of cleanup.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        first ??= error;
      }
    }
    if (first) throw first;
  };

  try {
    const lock: InstanceLock = acquireInstanceLock(config.dataDir, options.nativeBinding);
    cleanup.push(() => lock.release());

    const log = createLogger({
      dir: path.join(config.dataDir, 'logs'),
      level: config.overrides.logLevel ?? 'info',
      console: options.consoleLog ?? true,
    });
    if (scrubbed.error) log.warn('secrets passed in the environment could not be wiped from /proc/self/environ', { error: scrubbed.error, variables: scrubbed.removed });
    const runDir = openRunDir(config.dataDir, (message, fields) => log.warn(message, fields));
    cleanup.push(() => runDir.close());

    const dbFile = path.join(config.dataDir, 'perch.db');
    const db = openDatabase(dbFile, options.nativeBinding);
    cleanup.push(() => closeDatabase(db));
    const migration = migrate(db, dbFile, allMigrations, VERSION);
    if (migration.applied.length > 0) log.info('database migrated', { applied: migration.applied.map((m) => `${m.domain} v${m.version}`) });

    const settings = new SettingsService(db, config.overrides, config.overridden, log);
    log.setLevel(settings.get().logLevel);

    const secrets = await openSecretStore({ dataDir: config.dataDir, log, ...(options.loadKeytar ? { loadKeytar: options.loadKeytar } : {}) });
    const { token, source: tokenSource } = await resolveGatewayToken(config.gatewayToken, secrets);
    const credentials = new Credentials(db, token);

    // Test knob: also check handler results and event payloads against the contract.
    const validate = env.PERCH_VALIDATE_RESULTS === '1';
    const bus = new EventBus(validate);
    const metrics = new GatewayMetrics();
    const domainMetrics = new DomainMetrics(metrics.registry, bus);
    const router = new Router({ log, validateResults: validate, observe: metrics.observeCall });
    const health = new HealthRegistry();
    const vecVersion = sqliteVecVersion(db);
    health.register('store', () =>
      db.open ? { status: 'ok', detail: `SQLite with sqlite-vec ${vecVersion}, schema ${JSON.stringify(migration.versions)}` } : { status: 'down', detail: 'database closed' },
    );
    health.register('settings', () => {
      const unreadable = settings.unreadable();
      if (unreadable.length === 0) return { status: 'ok' };
      const which = unreadable.map((u) => `${u.section} (${u.detail})`).join('; ');
      return { status: 'degraded', detail: `Stored settings that could not be read, using their defaults: ${which}. Saving them again in Settings mends them.` };
    });
    health.register('secrets', () => ({ status: secrets.backend === 'keychain' ? 'ok' : 'degraded', detail: secrets.detail }));

    let gateway: Gateway | null = null;
    const status = (): Result<'system.status'> => ({
      version: VERSION,
      mode: options.mode,
      pid: process.pid,
      startedAt: startedAt.toISOString(),
      uptimeMs: Date.now() - startedAt.getTime(),
      dataDir: config.dataDir,
      gateway: { url: gateway?.url ?? '', dashboardUrl: gateway?.dashboardUrl ?? '' },
      secrets: { backend: secrets.backend, detail: secrets.detail },
      gatewayToken: { source: tokenSource satisfies TokenSource },
      domains: health.snapshot(),
    });

    router.register(authHandlers(credentials));
    router.register(loginLinkHandlers(credentials, () => gateway?.dashboardUrl ?? ''));
    router.register(systemHandlers(status, log.file));
    router.register(settingsHandlers(settings, bus));
    router.register(eventHandlers);
    const updates = new Updates(bus);
    router.register(updateHandlers(updates, log));
    // MCP servers start in the background; `mcp.hub` is how the agent's tools reach them.
    const mcp = new McpService({ db, secrets, bus, log, env });
    router.register(mcpHandlers(mcp));
    health.register('mcp', () => mcp.health());
    mcp.start();
    cleanup.push(() => mcp.stop());

    const models = new ModelManager(
      () => settings.get(),
      log,
      {
        openaiApiKey: async () => config.secrets.openaiApiKey ?? (await secrets.get(OPENAI_KEY_SECRET)),
      },
      options.breaker,
      domainMetrics.models,
    );
    cleanup.push(() => models.close());
    const catalog = new ModelCatalog(options.modelCatalog ?? config.modelCatalog, log);
    health.register('inference', () => {
      const { configured, loaded, error } = models.status();
      if (error) return { status: 'degraded', detail: error };
      const catalogProblem = catalog.problem();
      if (catalogProblem) return { status: 'degraded', detail: catalogProblem };
      if (!configured) return { status: 'degraded', detail: models.offered() ?? NO_MODEL_SERVER_HINT };
      return { status: 'ok', detail: loaded ?? `${configured} (loads on first use)` };
    });
    const tools = new ToolRegistry();
    tools.add(getTimeTool);
    tools.add(webFetchTool());
    const workspace = path.join(config.dataDir, 'workspace');
    fs.mkdirSync(workspace, { recursive: true });
    tools.add(execTool(workspace, () => ({ timeoutMs: settings.get().exec.timeoutSeconds * 1000, maxOutputBytes: settings.get().exec.maxOutputBytes }), runDir.dir));
    const conversations = new ConversationStore(db);
    const scheduleStore = new ScheduleStore(db, () => new Date());
    // The chat a conversation happens in (where its reminders go); the scheduler's own conversations report to the dashboard.
    const chatOf = (conversationId: string): Target | null => {
      const conversation = conversations.get(conversationId);
      if (!conversation) return null;
      const { channel, peer } = conversation;
      return channel === 'telegram' || channel === 'whatsapp' || channel === 'dashboard' ? { channel, peer } : { channel: 'dashboard' };
    };
    const memory = new Memory({
      store: new MemoryStore(db),
      notesDir: path.join(config.dataDir, 'notes'),
      log,
      bus,
      embedSpec: () => settings.get().models.embed,
      embedder: () => models.embedder(),
      settings: () => settings.get().memory,
      transcript: (conversationId, afterId) => conversations.transcriptAfter(conversationId, afterId),
    });
    for (const tool of memoryTools(memory)) tools.add(tool);
    // The MCP servers' tools, each call behind the approval gate (listed again when a server's tools change).
    cleanup.push(attachMcpTools(tools, mcp.hub, log));
    let tray: Tray | null = null;
    // The channels start later (they need the agent); these reach them once they exist.
    let lateChannels: Pick<ChannelManager, 'forgetPeer' | 'pruneBefore' | 'queueFor' | 'isOwnerChat'> | null = null;
    const privacy = new Privacy({
      conversations,
      forgetMemory: (id) => memory.forgetConversation(id),
      forgetChat: (channel, peer) => lateChannels?.forgetPeer(channel, peer) ?? 0,
      dataDir: config.dataDir,
      now: () => new Date(),
    });
    const retention = new Retention({
      db,
      conversations,
      defaultDays: () => settings.get().privacy.retentionDays,
      forgetMemoryThrough: (id, lastId) => memory.forgetTranscriptThrough(id, lastId),
      wipe: (id) => privacy.wipe(id),
      pruneChat: (cutoff, chat) => lateChannels?.pruneBefore(cutoff, chat) ?? 0,
      pruneRuns: (cutoff) => scheduleStore.pruneRuns(cutoff),
      now: () => new Date(),
      log,
    });
    router.register(privacyHandlers(privacy, retention, () => settings.get().privacy.retentionDays));
    const agent = new Agent({
      store: conversations,
      lanes: new Lanes(CONCURRENT_CONVERSATIONS),
      tools,
      bus,
      log,
      provider: () => models.chatProvider(),
      callTimeoutMs: options.modelCallTimeoutMs ?? MODEL_CALL_TIMEOUT_MS,
      maxReplyTokens: () => settings.get().agent.maxReplyTokens,
      recall: async ({ conversationId, text }) => {
        const limit = settings.get().memory.recallLimit;
        if (limit === 0) return [];
        try {
          const { items } = await memory.search(text, { limit, exclude: `conversation:${conversationId}` });
          return items.map((i) => ({ source: `${i.file}:${i.startLine}-${i.endLine}`, text: i.text }));
        } catch (error) {
          if (error instanceof EmptyQuery) return [];
          throw error;
        }
      },
      memory,
      reminders: reminderCommands(scheduleStore, chatOf),
      privacy: { export: (id) => privacy.exportToFile(id), wipe: (id) => privacy.wipe(id) },
      // Only the owner's own conversations are remembered: what contacts and groups write must not
      // reach the owner's recall (it could carry instructions, and web_fetch needs no approval).
      onStored: (conversationId) => {
        const conversation = conversations.get(conversationId);
        if (!conversation) return;
        const { channel, peer } = conversation;
        if (channel === 'dashboard' || channel === 'schedule' || lateChannels?.isOwnerChat(channel, peer)) memory.noteTranscript(conversationId);
      },
      // Regenerate and Edit deleted or changed messages: the transcript is indexed afresh.
      onRewritten: (conversationId) => {
        memory.forgetConversation(conversationId);
        memory.noteTranscript(conversationId);
      },
      onActivity: () => tray?.changed(),
      observe: domainMetrics.turn,
    });
    router.register(agentHandlers(agent, conversations, tools, () => settings.get().usage.prices));

    const created = migration.applied.some((m) => m.domain === 'audit' && m.version === 1);
    const { audit, health: auditHealth } = await openAuditLog({ db, dataDir: config.dataDir, secrets, log, created });
    cleanup.push(() => audit.close());
    health.register('audit', auditHealth);
    const approvals = new ApprovalStore(db);
    const gate = new ApprovalGate({
      store: approvals,
      audit,
      bus,
      log,
      workspace,
      settings: () => settings.get().approvals,
      tool: (name) => tools.get(name),
      execute: (tool, args, origin) => tools.execute(tool, args, origin),
      // An outcome no turn waits for (decided after a restart): the model tells the conversation,
      // and a chat channel's conversation gets that reply sent to the chat.
      report: (conversationId, text) =>
        void agent
          .report(conversationId, text)
          .then((reply) => {
            const chat = chatOf(conversationId);
            if (chat && chat.channel !== 'dashboard') lateChannels?.queueFor(chat.channel, chat.peer, reply.text)();
          })
          .catch((error: Error) => log.error('could not report to the conversation', { conversationId, error: error.message })),
    });
    tools.setGate(gate);
    await gate.start();
    cleanup.push(() => gate.close());
    router.register(approvalHandlers(gate, approvals, audit));
    router.register(auditHandlers(audit));
    router.register(rotationHandlers({ credentials, secrets, tokenSource, audit }));
    router.register(secretHandlers(secrets, audit, () => models.keyChanged()));
    memory.start();
    cleanup.push(() => memory.close());
    router.register(memoryHandlers(memory));
    const channels = setupChannels({
      db,
      dataDir: config.dataDir,
      agent,
      bus,
      log,
      settings: () => settings.get(),
      secrets,
      envTelegramToken: config.secrets.telegramToken,
      approvals: gate,
      observe: domainMetrics.channelMessage,
      ...(options.whatsappSocket ? { whatsappSocket: options.whatsappSocket } : {}),
      ...(options.telegramTiming ? { telegramTiming: options.telegramTiming } : {}),
    });
    lateChannels = channels;
    bus.subscribe((event, payload) => {
      if (event === 'approval.requested') void channels.offerApproval(payload as EventPayload<'approval.requested'>);
    });
    tray = new Tray(
      {
        channels: () => channels.list(),
        pendingApprovals: () => approvals.pendingCount(),
        model: () => settings.get().models.chat,
        working: () => agent.busy,
      },
      bus,
    );
    router.register({ 'tray.snapshot': () => tray!.snapshot() });
    router.register(channelHandlers(channels));
    // Not awaited: a slow or unreachable chat network must not hold up the start (status shows it).
    void channels.start().catch((error: Error) => log.error('channels failed to start', { error: error.message }));
    cleanup.push(() => channels.stop());

    const scheduler = new Scheduler({
      store: scheduleStore,
      now: () => new Date(),
      settings: () => settings.get().scheduler,
      checkTarget: (target) => {
        if (target.channel === 'dashboard') return;
        try {
          if (target.peer === undefined) channels.owner(target.channel);
          else if (!channels.list().some((c) => c.channel === target.channel)) throw new Error(`No channel named ${target.channel} is set up.`);
        } catch (error) {
          throw new InvalidSchedule(`Cannot deliver to ${target.channel}: ${(error as Error).message}`);
        }
      },
      deliver: (target, text) => {
        if (target.channel !== 'dashboard') return channels.queueFor(target.channel, target.peer, text);
        conversations.append(conversations.open('dashboard', target.peer ?? 'owner').id, { role: 'assistant', text });
        return () => undefined;
      },
      // strict: a model that is down makes the run fail and retry, rather than deliver an apology.
      agent: async (jobId, prompt, allowed) => (await agent.handle({ channel: 'schedule', peer: jobId, text: prompt, strict: true, ...(allowed ? { tools: allowed } : {}) })).text,
      bus,
      log,
    });
    tools.add(reminderTool(scheduler, chatOf, () => new Date()));
    router.register(scheduleHandlers(scheduler, scheduleStore));
    scheduler.start();
    cleanup.push(() => scheduler.stop());
    retention.start();
    cleanup.push(() => retention.stop());
    health.register('privacy', () => {
      const last = retention.lastSweep();
      const days = settings.get().privacy.retentionDays;
      return { status: 'ok', detail: `${days ? `messages kept ${days} days` : 'messages kept forever'}; last sweep: ${last ? `${last.at} (${last.messages} deleted)` : 'not yet'}` };
    });
    health.register('channels', () => {
      const views = channels.list();
      if (views.length === 0) return { status: 'ok', detail: 'no channel set up' };
      const broken = views.filter((v) => v.state === 'error' || v.state === 'logged-out');
      return { status: broken.length ? 'degraded' : 'ok', detail: views.map((v) => `${v.channel}: ${v.state}${v.detail ? ` (${v.detail})` : ''}`).join('; ') };
    });
    health.register('scheduler', () => {
      const jobs = scheduleStore.jobs();
      const failing = jobs.filter((j) => j.consecutiveFailures > 0);
      const next = jobs.find((j) => j.enabled && j.nextRunAt);
      const detail = `${jobs.length} job${jobs.length === 1 ? '' : 's'}${next ? `; next: ${next.name} at ${next.nextRunAt}` : ''}${failing.length ? `; failing: ${failing.map((j) => j.name).join(', ')}` : ''}`;
      return { status: failing.length ? 'degraded' : 'ok', detail };
    });
    health.register('memory', () => {
      const { degraded, detail } = memory.status();
      return { status: degraded ? 'degraded' : 'ok', detail };
    });
    bus.subscribe((event, payload) => {
      if (event === 'settings.changed' && (payload as EventPayload<'settings.changed'>).changed.some((p) => p.startsWith('models.embed'))) memory.embedPending();
    });
    const modelsDir = path.join(config.dataDir, 'models');
    const ollamaUrl = options.ollamaUrl ?? OLLAMA_DEFAULT_URL;
    const downloads = new ModelDownloads(
      modelsDir,
      bus,
      log,
      catalog,
      (entry, file) => {
        // A freshly downloaded model is used when none is configured yet.
        const key = entry.kind;
        if (settings.get().models[key]) return;
        const { view, changed } = settings.update({ models: { [key]: `llama:${file}` } });
        bus.publish('settings.changed', { settings: view.settings, changed });
      },
      options.downloadStallMs,
    );
    cleanup.push(() => downloads.close());
    const fit = new FitJudge(log);
    cleanup.push(() => fit.close());
    const chatModelStatus = new ChatModelStatus(() => settings.get(), models, bus, log);
    router.register(
      inferenceHandlers({
        modelsDir,
        ollamaUrl,
        settings: () => settings.get(),
        downloads,
        fit,
        status: chatModelStatus,
        openaiApiKey: async () => config.secrets.openaiApiKey ?? (await secrets.get(OPENAI_KEY_SECRET)),
      }),
    );

    const missing = router.missing();
    if (missing.length > 0) throw new Error(`contract methods without a handler: ${missing.join(', ')}`);

    gateway = await startGateway({
      host: config.gateway.host,
      port: config.gateway.port,
      router,
      bus,
      health,
      metrics,
      verifyCredential: (credential) => credentials.verify(credential),
      rateLimit: () => settings.get().gateway.rateLimit,
      staticDir: options.staticDir ?? null,
      log,
      ...(options.authTimeoutMs ? { authTimeoutMs: options.authTimeoutMs } : {}),
      ...(options.signIn ? { signIn: options.signIn } : {}),
    });
    const gw = gateway;
    cleanup.push(() => gw.close());
    health.register('gateway', () => ({ status: 'ok', detail: `${gw.url}, ${gw.connectionCount()} connection(s)` }));
    bus.subscribe((event, payload) => {
      if (event === 'settings.changed') log.setLevel((payload as EventPayload<'settings.changed'>).settings.logLevel);
    });
    // Offer a local Ollama when no model is set. Deferred: the first fetch loads its HTTP client,
    // which would otherwise sit on the path to ready.
    setTimeout(() => {
      void detectOllama(ollamaUrl).then((found) => {
        if (!found || settings.get().models.chat) return;
        const some = found.models.length ? ` with ${found.models.slice(0, 3).join(', ')}` : '';
        models.offer(`Ollama found at ${found.url}${some}: set PERCH_MODEL=ollama:${found.models[0] ?? 'NAME'}@${found.url} or choose it in Settings`);
        log.info('a local Ollama is available', { url: found.url, models: found.models.length });
      });
    }, OLLAMA_PROBE_DELAY_MS).unref();
    log.info('Perch started', { version: VERSION, mode: options.mode, gateway: gw.url, secrets: secrets.backend, tokenSource });

    let stopping: Promise<void> | null = null;
    return {
      config,
      version: VERSION,
      log,
      db,
      bus,
      router,
      gateway: gw,
      settings,
      updates,
      secrets,
      health,
      models,
      agent,
      memory,
      downloads,
      mcp,
      status,
      issueLoginLink() {
        const { code } = credentials.issueLoginCode();
        return { url: `${gw.dashboardUrl}#login=${code}`, expiresInMs: LOGIN_CODE_TTL_MS };
      },
      stop() {
        stopping ??= (async () => {
          log.info('Perch stopping');
          await unwind();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
