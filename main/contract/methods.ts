import { z } from 'zod';
import { logLevelSchema, settingsPatchSchema, settingsSchema } from './settings';
import { approvalRuleSchema, approvalSchema, ruleFields } from './approvals';
import { channelNameSchema, channelViewSchema, pairingCodeSchema, pairingSchema, telegramTokenSchema, traySnapshotSchema } from './channels';
import { eventNameSchema, updateStatusSchema } from './events';
import { mcpAddSchema, mcpPatchSchema, mcpServerIdSchema, mcpServerViewSchema, mcpToolViewSchema } from './mcp';
import { schedulePayloadSchema, scheduleRunSchema, scheduleJobSchema, scheduleSpecSchema, scheduleTargetSchema } from './schedules';

// Every RPC method: params and result schemas. `public` methods may be called before the
// connection is authenticated; everything else answers -32001 until then.

interface MethodSpec<P extends z.ZodType, R extends z.ZodType> {
  params: P;
  result: R;
  public?: boolean;
  summary: string;
}

const method = <P extends z.ZodType, R extends z.ZodType>(spec: MethodSpec<P, R>) => spec;

const noParams = z.strictObject({}).optional();

export const healthStatusSchema = z.enum(['ok', 'degraded', 'down']);

export const domainHealthSchema = z.object({
  status: healthStatusSchema,
  detail: z.string().optional(),
});

export const settingsViewSchema = z.object({
  settings: settingsSchema,
  /** Dotted paths whose value comes from an environment variable (and wins over the stored one). */
  overridden: z.array(z.object({ path: z.string(), variable: z.string() })),
});

const cursorSchema = z.string().min(1).max(200);
const memorySourceSchema = z.enum(['notes', 'transcripts']);
const idSchema = z.string().regex(/^[\w-]{1,64}$/, 'expected an id of letters, digits, - and _');

export const toolCallSchema = z.object({ id: z.string(), name: z.string(), args: z.unknown() });

export const conversationSchema = z.object({
  id: z.string(),
  channel: z.string(),
  peer: z.string(),
  title: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  messageCount: z.number().int().nonnegative(),
  /** Its own retention in days (0 keeps it); null follows privacy.retentionDays. */
  retentionDays: z.number().int().nonnegative().nullable(),
});

/** What a retention sweep deleted. */
export const sweepSchema = z.object({
  at: z.iso.datetime(),
  messages: z.number().int().nonnegative(),
  conversations: z.number().int().nonnegative(),
  chatRecords: z.number().int().nonnegative(),
  runs: z.number().int().nonnegative(),
});

export const messageSchema = z.object({
  id: z.number().int(),
  conversationId: z.string(),
  role: z.enum(['user', 'assistant', 'tool', 'system']),
  text: z.string(),
  toolCalls: z.array(toolCallSchema).optional(),
  toolCallId: z.string().optional(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  tokensIn: z.number().int().nonnegative(),
  tokensOut: z.number().int().nonnegative(),
  promptVersion: z.number().int().nullable(),
  /** A reply cut short by Stop (what was generated until then). */
  stopped: z.boolean().optional(),
  createdAt: z.iso.datetime(),
});

/** A JSON archive of conversations with all their messages (the owner's export). */
export const archiveSchema = z.object({
  exportedAt: z.string(),
  conversations: z.array(conversationSchema.extend({ messages: z.array(messageSchema) })),
});

export const systemPromptSchema = z.object({
  version: z.number().int().nonnegative(),
  text: z.string(),
  isDefault: z.boolean(),
  /** When this version was saved; null for the built-in default. */
  updatedAt: z.iso.datetime().nullable(),
});

export const auditRecordSchema = z.object({
  seq: z.number().int(),
  at: z.iso.datetime(),
  actor: z.string(),
  surface: z.string(),
  action: z.string(),
  subject: z.string(),
  details: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

/** The longest message the chat accepts (characters); the composer shows it before sending. */
export const CHAT_TEXT_MAX = 32_000;
const chatTextSchema = z.string().trim().min(1, 'the message is empty').max(CHAT_TEXT_MAX, `a message can be at most ${CHAT_TEXT_MAX.toLocaleString('en')} characters`);

/** What the dashboard chat's actions answer: the stored reply, and whether Stop cut it short. */
const chatReplySchema = z.object({ conversationId: z.string(), messageId: z.number().int(), text: z.string(), stopped: z.boolean() });

/** A model the owner can download from the catalog, with whether it suits this machine. */
export const catalogModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** What it is for, in a few words. */
  description: z.string(),
  kind: z.enum(['chat', 'embed']),
  file: z.string(),
  sizeBytes: z.number().int().nonnegative().nullable(),
  /** From node-llama-cpp's insights on this machine's RAM/VRAM; null when it could not be judged. */
  fits: z.enum(['yes', 'maybe', 'no']).nullable(),
  fitDetail: z.string().nullable(),
  state: z.enum(['absent', 'partial', 'downloading', 'present']),
  receivedBytes: z.number().int().nonnegative(),
});

const approvalIdSchema = z.string().regex(/^[a-z0-9]{6}$/, 'expected an approval id of 6 letters and digits');
const ruleIdSchema = z.number().int().positive();

export const methods = {
  'auth.token': method({
    summary: 'Authenticate this connection with the gateway token or a dashboard session.',
    public: true,
    params: z.strictObject({ token: z.string().min(1).max(1024) }),
    result: z.object({ authenticated: z.literal(true), via: z.enum(['token', 'session']) }),
  }),
  'auth.login': method({
    summary: 'Exchange a one-time dashboard login code for a session (and authenticate this connection).',
    public: true,
    params: z.strictObject({ code: z.string().min(1).max(256) }),
    result: z.object({ session: z.string(), expiresAt: z.iso.datetime() }),
  }),
  'system.ping': method({
    summary: 'Liveness of the RPC path.',
    params: noParams,
    result: z.object({ pong: z.literal(true), time: z.number() }),
  }),
  'system.status': method({
    summary: 'Version, uptime, data directory and the health of every domain.',
    params: noParams,
    result: z.object({
      version: z.string(),
      mode: z.enum(['headless', 'desktop']),
      pid: z.number().int(),
      startedAt: z.iso.datetime(),
      uptimeMs: z.number().nonnegative(),
      dataDir: z.string(),
      gateway: z.object({ url: z.string(), dashboardUrl: z.string() }),
      secrets: z.object({ backend: z.enum(['keychain', 'file']), detail: z.string() }),
      gatewayToken: z.object({ source: z.enum(['env', 'keychain', 'file']) }),
      domains: z.record(z.string(), domainHealthSchema),
    }),
  }),
  'system.logs': method({
    summary: 'The last lines of the log file, oldest first, at or above a level (for the log viewer).',
    params: z.strictObject({ lines: z.number().int().min(1).max(2_000).default(200), level: logLevelSchema.default('debug') }).prefault({}),
    result: z.object({
      file: z.string().nullable(),
      items: z.array(z.object({ time: z.string(), level: logLevelSchema, message: z.string(), fields: z.record(z.string(), z.unknown()) })),
    }),
  }),
  'auth.loginLink': method({
    summary: 'A new one-time dashboard login link (for `npm run login-link`), valid 10 minutes.',
    params: noParams,
    result: z.object({ url: z.string(), expiresAt: z.iso.datetime() }),
  }),
  'auth.rotateToken': method({
    summary: 'Replace the gateway token with a new random one (kept in the keychain), shown this once; every dashboard session ends.',
    params: noParams,
    result: z.object({ token: z.string(), sessionsEnded: z.number().int() }),
  }),
  'secrets.set': method({
    summary: 'Store a secret in the keychain (never shown again); null deletes it.',
    params: z.strictObject({ name: z.enum(['openai-api-key']), value: z.string().trim().min(1).max(4_096).nullable() }),
    result: z.object({ stored: z.boolean(), backend: z.enum(['keychain', 'file']) }),
  }),
  'updates.status': method({
    summary: 'Where the desktop app stands with updates (headless: not available).',
    params: noParams,
    result: updateStatusSchema,
  }),
  'updates.install': method({
    summary: 'Restart into the downloaded update (desktop app, once one is ready).',
    params: noParams,
    result: z.object({ restarting: z.boolean() }),
  }),
  'system.report': method({
    summary: "The dashboard reports its own error or warning into Perch's log (the same file as the core's).",
    params: z.strictObject({ level: z.enum(['error', 'warn']), message: z.string().min(1).max(4_000), source: z.string().max(500).optional() }),
    result: z.object({ logged: z.boolean() }),
  }),
  'settings.get': method({
    summary: 'The effective settings and which of them the environment overrides.',
    params: noParams,
    result: settingsViewSchema,
  }),
  'settings.update': method({
    summary: 'Change settings with a partial object; the whole result is validated before anything is stored.',
    params: z.strictObject({ patch: settingsPatchSchema }),
    result: settingsViewSchema,
  }),
  'chat.send': method({
    summary: "The owner's own chat with the agent: streams agent.delta events, returns the reply. Without a conversation id it starts a new conversation; with no working model it stores nothing and answers no_model.",
    params: z.strictObject({ text: chatTextSchema, conversationId: idSchema.optional() }),
    result: chatReplySchema,
  }),
  'chat.cancel': method({
    summary: "Stop the reply being generated in a conversation: the model call is aborted and the partial reply is kept, marked as stopped.",
    params: z.strictObject({ conversationId: idSchema }),
    result: z.object({ cancelled: z.boolean() }),
  }),
  'chat.regenerate': method({
    summary: 'Replace the last reply of a dashboard conversation with a new one.',
    params: z.strictObject({ conversationId: idSchema }),
    result: chatReplySchema,
  }),
  'chat.edit': method({
    summary: 'Change the last message the owner sent in a dashboard conversation and answer it again (the old reply is replaced).',
    params: z.strictObject({ conversationId: idSchema, messageId: z.number().int().positive(), text: chatTextSchema }),
    result: chatReplySchema,
  }),
  'conversations.rename': method({
    summary: 'Give a conversation a title of its own.',
    params: z.strictObject({ conversationId: idSchema, title: z.string().trim().min(1, 'the title is empty').max(200) }),
    result: z.object({ conversation: conversationSchema }),
  }),
  'conversations.list': method({
    summary: 'Conversations, most recently active first, a page at a time.',
    params: z.strictObject({ cursor: cursorSchema.optional(), limit: z.number().int().min(1).max(200).default(50) }),
    result: z.object({ items: z.array(conversationSchema), nextCursor: z.string().nullable() }),
  }),
  'conversations.messages': method({
    summary: "A conversation's messages, newest page first (each page in chronological order).",
    params: z.strictObject({ conversationId: idSchema, cursor: cursorSchema.optional(), limit: z.number().int().min(1).max(500).default(100) }),
    result: z.object({ items: z.array(messageSchema), nextCursor: z.string().nullable() }),
  }),
  'conversations.export': method({
    summary: 'A JSON archive of one conversation, or of all of them, with every message.',
    params: z.strictObject({ conversationId: idSchema.optional() }).prefault({}),
    result: z.object({ archive: archiveSchema }),
  }),
  'conversations.wipe': method({
    summary: 'Delete a conversation with its messages, its memory rows and what its chat channel stored.',
    params: z.strictObject({ conversationId: idSchema }),
    result: z.object({ messages: z.number().int(), chatMessages: z.number().int() }),
  }),
  'conversations.setRetention': method({
    summary: "Keep a conversation's messages for this many days (0: forever); null follows privacy.retentionDays.",
    params: z.strictObject({ conversationId: idSchema, days: z.number().int().min(0).max(36_500).nullable() }),
    result: z.object({ conversation: conversationSchema }),
  }),
  'privacy.status': method({
    summary: 'The default retention, the last retention sweep and when the next one runs.',
    params: noParams,
    result: z.object({ retentionDays: z.number().int().nonnegative(), lastSweep: sweepSchema.nullable(), nextSweepAt: z.iso.datetime() }),
  }),
  'privacy.sweep': method({
    summary: 'Delete everything past its retention now (the daily job, run at once).',
    params: noParams,
    result: sweepSchema,
  }),
  'prompt.get': method({
    summary: "The agent's system prompt and its version (each reply records the version it was written with).",
    params: noParams,
    result: systemPromptSchema,
  }),
  'prompt.update': method({
    summary: 'Save a new version of the system prompt; null goes back to the built-in default. Unchanged text keeps the version.',
    params: z.strictObject({ text: z.string().trim().min(1, 'the system prompt cannot be empty').max(16_000).nullable() }),
    result: systemPromptSchema,
  }),
  'tools.invoke': method({
    summary: 'Run a tool by name exactly as the agent would: same validation, and dangerous tools (exec) wait for approval.',
    params: z.strictObject({ name: z.string().min(1).max(64), args: z.record(z.string(), z.unknown()).default({}) }),
    result: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), output: z.string(), exitCode: z.number().int().nullable().optional() }),
      z.object({ ok: z.literal(false), error: z.string() }),
    ]),
  }),
  'memory.search': method({
    summary: 'Search notes and conversations by keyword and meaning; keyword-only without an embedding model.',
    params: z.strictObject({
      query: z.string().trim().min(1, 'the query is empty').max(2_000),
      limit: z.number().int().min(1).max(50).default(10),
      sources: z.array(memorySourceSchema).min(1).optional(),
    }),
    result: z.object({
      mode: z.enum(['hybrid', 'keyword']),
      items: z.array(
        z.object({
          file: z.string(),
          source: memorySourceSchema,
          /** For a conversation, the first and last message ids. */
          startLine: z.number().int(),
          endLine: z.number().int(),
          text: z.string(),
          score: z.number(),
          vectorScore: z.number().nullable(),
          keywordScore: z.number().nullable(),
        }),
      ),
    }),
  }),
  'memory.write': method({
    summary: "Append a dated note to today's notes file.",
    params: z.strictObject({ text: z.string().trim().min(1, 'the note is empty').max(10_000) }),
    result: z.object({ file: z.string(), line: z.number().int() }),
  }),
  'memory.forget': method({
    summary: 'Delete a note file (by name) or every note line mentioning the text, with their index rows.',
    params: z.strictObject({ text: z.string().trim().min(1).max(1_000) }),
    result: z.object({ files: z.array(z.string()), lines: z.number().int() }),
  }),
  'memory.status': method({
    summary: 'How memory searches (hybrid or keyword-only, and why), what is indexed, the files left out of the index (by name, with why: binary, not UTF-8, too big), and where the notes folder is.',
    params: noParams,
    result: z.object({
      mode: z.enum(['hybrid', 'keyword']),
      detail: z.string(),
      degraded: z.boolean(),
      /** The first 20 files left out, in name order. */
      skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
      notesDir: z.string(),
    }),
  }),
  'memory.notes': method({
    summary: 'The note files in the notes folder, newest first, and whether each is in the index.',
    params: noParams,
    result: z.object({ items: z.array(z.object({ file: z.string(), bytes: z.number().int(), modifiedAt: z.string(), indexed: z.boolean() })) }),
  }),
  'memory.reindex': method({
    summary: 'Check every note against the index now (changed ones re-indexed, deleted ones dropped), then fill in missing vectors in the background (memory.progress).',
    params: noParams,
    result: z.object({ indexed: z.number().int(), unchanged: z.number().int(), removed: z.number().int() }),
  }),
  'channels.list': method({
    summary: 'The chat channels that are set up, with their state.',
    params: noParams,
    result: z.object({ items: z.array(channelViewSchema) }),
  }),
  'channels.pause': method({
    summary: 'Pause a channel (or all): messages are still received and stored, none is answered.',
    params: z.strictObject({ channel: z.string().min(1).max(32).optional() }),
    result: z.object({ items: z.array(channelViewSchema) }),
  }),
  'channels.resume': method({
    summary: 'Resume a channel (or all); what arrived while paused is not answered retroactively.',
    params: z.strictObject({ channel: z.string().min(1).max(32).optional() }),
    result: z.object({ items: z.array(channelViewSchema) }),
  }),
  'channels.login': method({
    summary:
      'Log a channel in: WhatsApp starts a login that sends channel.qr events until the code is scanned; Telegram takes a bot token (kept in the keychain) and connects with it.',
    params: z.strictObject({
      channel: channelNameSchema,
      token: telegramTokenSchema.optional(),
    }),
    result: z.object({ item: channelViewSchema }),
  }),
  'channels.logout': method({
    summary: 'Log a channel out: WhatsApp unlinks this device and deletes its login data; Telegram forgets the bot token.',
    params: z.strictObject({ channel: channelNameSchema }),
    result: z.object({ item: channelViewSchema }),
  }),
  'channels.pairings.list': method({
    summary: 'Pairing requests from strangers (channels with the pairing DM policy), newest first.',
    params: z.strictObject({ status: z.enum(['pending', 'all']).default('pending') }).prefault({}),
    result: z.object({ items: z.array(pairingSchema) }),
  }),
  'channels.pairings.approve': method({
    summary: 'Let the sender of a pairing code talk to Perch from now on.',
    params: z.strictObject({ channel: channelNameSchema, code: pairingCodeSchema }),
    result: z.object({ item: pairingSchema }),
  }),
  'channels.pairings.deny': method({
    summary: 'Refuse a pairing code: its sender stays a stranger.',
    params: z.strictObject({ channel: channelNameSchema, code: pairingCodeSchema }),
    result: z.object({ item: pairingSchema }),
  }),
  'tray.snapshot': method({
    summary: 'What the tray menu shows: each channel with its state, pending approvals, the model, and an overall state.',
    params: noParams,
    result: traySnapshotSchema,
  }),
  'schedules.create': method({
    summary: 'Create a scheduled job: a cron, one-shot or interval schedule; a fixed message or an agent prompt; a chat or the dashboard to deliver to.',
    params: z.strictObject({
      name: z.string().trim().min(1, 'the name is empty').max(200),
      schedule: scheduleSpecSchema,
      payload: schedulePayloadSchema,
      target: scheduleTargetSchema,
      enabled: z.boolean().default(true),
    }),
    result: z.object({ job: scheduleJobSchema }),
  }),
  'schedules.list': method({
    summary: 'Every scheduled job with its next and last run.',
    params: noParams,
    result: z.object({ items: z.array(scheduleJobSchema) }),
  }),
  'schedules.update': method({
    summary: 'Change a job (name, schedule, payload, target, enabled); its next run is computed again.',
    params: z.strictObject({
      id: idSchema,
      name: z.string().trim().min(1).max(200).optional(),
      schedule: scheduleSpecSchema.optional(),
      payload: schedulePayloadSchema.optional(),
      target: scheduleTargetSchema.optional(),
      enabled: z.boolean().optional(),
    }),
    result: z.object({ job: scheduleJobSchema }),
  }),
  'schedules.delete': method({
    summary: 'Delete a job and its run history.',
    params: z.strictObject({ id: idSchema }),
    result: z.object({ deleted: z.boolean() }),
  }),
  'schedules.runNow': method({
    summary: 'Run a job now, once, outside its schedule (its next scheduled run stays as it was).',
    params: z.strictObject({ id: idSchema }),
    result: z.object({ run: scheduleRunSchema }),
  }),
  'schedules.runs': method({
    summary: "Run history, newest first: one job's or all jobs'.",
    params: z.strictObject({ jobId: idSchema.optional(), cursor: cursorSchema.optional(), limit: z.number().int().min(1).max(500).default(50) }).prefault({}),
    result: z.object({ items: z.array(scheduleRunSchema), nextCursor: z.string().nullable() }),
  }),
  'schedules.preview': method({
    summary: 'The next times a schedule would run (for a schedule builder); refuses an invalid schedule with the reason.',
    params: z.strictObject({ schedule: scheduleSpecSchema, count: z.number().int().min(1).max(50).default(5) }),
    result: z.object({ runs: z.array(z.string()) }),
  }),
  'mcp.servers.list': method({
    summary: 'The MCP servers that are set up, with their state (env and header names only, never values).',
    params: noParams,
    result: z.object({ items: z.array(mcpServerViewSchema) }),
  }),
  'mcp.servers.add': method({
    summary: 'Add an MCP server (a command over stdio, or a Streamable HTTP address) and start it; env and header values go to the secret store.',
    params: mcpAddSchema,
    result: mcpServerViewSchema,
  }),
  'mcp.servers.import': method({
    summary: 'Add servers from the standard {"mcpServers": {...}} JSON (Claude Desktop, LM Studio); all or none: a bad entry is named with the reason and nothing is added. Names already set up are skipped.',
    params: z.strictObject({ json: z.string().min(2).max(200_000) }),
    result: z.object({ added: z.array(z.string()), skipped: z.array(z.object({ name: z.string(), reason: z.string() })) }),
  }),
  'mcp.servers.update': method({
    summary: 'Change a server: on/off, its rule and per-tool rules, whether contacts get its tools, its command or address (it restarts when those change).',
    params: z.strictObject({ id: mcpServerIdSchema, patch: mcpPatchSchema }),
    result: mcpServerViewSchema,
  }),
  'mcp.servers.remove': method({
    summary: 'Stop a server and forget it, its rules and its secrets.',
    params: z.strictObject({ id: mcpServerIdSchema }),
    result: z.object({ removed: z.literal(true) }),
  }),
  'mcp.servers.restart': method({
    summary: 'Stop a server and start it again now.',
    params: z.strictObject({ id: mcpServerIdSchema }),
    result: mcpServerViewSchema,
  }),
  'mcp.tools.list': method({
    summary: "The tools of servers that are ready (one server's or all), with the per-tool rule and the rule that applies.",
    params: z.strictObject({ server: mcpServerIdSchema.optional() }).prefault({}),
    result: z.object({ items: z.array(mcpToolViewSchema) }),
  }),
  'approvals.list': method({
    summary: 'Approvals, newest first: pending ones, decided ones (history), or all.',
    params: z.strictObject({
      status: z.enum(['pending', 'history', 'all']).default('all'),
      cursor: cursorSchema.optional(),
      limit: z.number().int().min(1).max(200).default(50),
    }),
    result: z.object({ items: z.array(approvalSchema), nextCursor: z.string().nullable() }),
  }),
  'approvals.resolve': method({
    summary: 'Approve or deny a pending approval; approving runs it (once) and returns the outcome. remember adds an "always allow" rule.',
    params: z.strictObject({ id: approvalIdSchema, decision: z.enum(['approve', 'deny']), remember: z.boolean().default(false) }),
    result: z.object({ approval: approvalSchema, rule: approvalRuleSchema.nullable() }),
  }),
  'approvals.rules.list': method({
    summary: '"Always allow" rules.',
    params: noParams,
    result: z.object({ items: z.array(approvalRuleSchema) }),
  }),
  'approvals.rules.add': method({
    summary: 'Add an "always allow" rule: an exact command line, or a pattern for simple commands.',
    params: z.strictObject({ ...ruleFields, cwd: ruleFields.cwd.default(null) }),
    result: approvalRuleSchema,
  }),
  'approvals.rules.update': method({
    summary: 'Change a rule.',
    params: z.strictObject({ id: ruleIdSchema, ...ruleFields, cwd: ruleFields.cwd.default(null) }),
    result: approvalRuleSchema,
  }),
  'approvals.rules.remove': method({
    summary: 'Revoke a rule: the command needs approval again.',
    params: z.strictObject({ id: ruleIdSchema }),
    result: z.object({ removed: z.literal(true) }),
  }),
  'audit.list': method({
    summary: 'The audit log, newest first.',
    params: z.strictObject({ cursor: cursorSchema.optional(), limit: z.number().int().min(1).max(500).default(100) }),
    result: z.object({ items: z.array(auditRecordSchema), nextCursor: z.string().nullable() }),
  }),
  'audit.verify': method({
    summary: 'Check the keyed audit chain against its head kept outside the database: the first broken row, or the rows missing after N, if any.',
    params: noParams,
    result: z.object({ ok: z.boolean(), checked: z.number().int(), brokenAt: z.number().int().optional(), reason: z.string().optional() }),
  }),
  'models.list': method({
    summary: 'Local GGUF files in the models folder, a detected local Ollama and its models, and what is configured.',
    params: noParams,
    result: z.object({
      dir: z.string(),
      local: z.array(z.object({ name: z.string(), path: z.string(), sizeBytes: z.number(), modifiedAt: z.iso.datetime(), gguf: z.boolean() })),
      ollama: z.object({ url: z.string(), models: z.array(z.string()) }).nullable(),
      chat: z.string().nullable(),
      fallback: z.array(z.string()),
      embed: z.string().nullable(),
    }),
  }),
  'models.download': method({
    summary: 'Download a model from the catalog into the models folder (resuming a paused one); progress comes as model.progress events.',
    params: z.strictObject({ id: idSchema }),
    result: z.object({ id: z.string(), file: z.string(), state: z.enum(['started', 'running', 'present']) }),
  }),
  'models.pause': method({
    summary: 'Pause a running download; what it fetched is kept and models.download resumes it.',
    params: z.strictObject({ id: idSchema }),
    result: z.object({ paused: z.boolean() }),
  }),
  'models.catalog': method({
    summary: "The recommended models with their size, whether each fits this machine (node-llama-cpp's insights), and how far each download got.",
    params: noParams,
    result: z.object({
      items: z.array(catalogModelSchema),
      machine: z.object({ ramBytes: z.number().nonnegative(), freeRamBytes: z.number().nonnegative(), gpu: z.string().nullable(), vramBytes: z.number().nonnegative().nullable() }),
    }),
  }),
  'models.status': method({
    summary: 'Whether the chat model works: none set, loading, ready, or the problem (the dashboard shows first-run setup until it is ready).',
    params: noParams,
    result: z.object({ configured: z.string().nullable(), state: z.enum(['none', 'loading', 'ready', 'error']), detail: z.string().nullable() }),
  }),
  'models.test': method({
    summary: 'Try a model before choosing it: a .gguf path is checked, an Ollama or OpenAI-compatible endpoint is asked for its models (and the model named must be there).',
    params: z.strictObject({ spec: z.string().trim().min(1).max(2_000), apiKey: z.string().trim().min(1).max(4_096).optional() }),
    result: z.object({ ok: z.boolean(), detail: z.string(), models: z.array(z.string()) }),
  }),
  'usage.summary': method({
    summary: 'Tokens by day, provider and model, and by conversation, with a cost estimate where a price is set.',
    params: z.strictObject({ days: z.number().int().min(1).max(366).default(30) }),
    result: z.object({
      byDay: z.array(
        z.object({ day: z.string(), provider: z.string(), model: z.string(), calls: z.number().int(), tokensIn: z.number().int(), tokensOut: z.number().int(), cost: z.number().nullable() }),
      ),
      byConversation: z.array(z.object({ conversationId: z.string(), title: z.string(), tokensIn: z.number().int(), tokensOut: z.number().int() })),
      total: z.object({ tokensIn: z.number().int(), tokensOut: z.number().int(), cost: z.number().nullable() }),
    }),
  }),
  'events.subscribe': method({
    summary: 'Receive these server events on this connection as JSON-RPC notifications.',
    params: z.strictObject({ events: z.array(eventNameSchema).min(1).max(64) }),
    result: z.object({ subscribed: z.array(eventNameSchema) }),
  }),
  'events.unsubscribe': method({
    summary: 'Stop receiving these events on this connection.',
    params: z.strictObject({ events: z.array(eventNameSchema).min(1).max(64) }),
    result: z.object({ subscribed: z.array(eventNameSchema) }),
  }),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** What a caller passes (before defaults). */
export type ParamsIn<M extends MethodName> = z.input<Methods[M]['params']>;
/** What a handler receives (after validation and defaults). */
export type Params<M extends MethodName> = z.output<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;

export const methodNames = Object.keys(methods) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(methods, name);
}
