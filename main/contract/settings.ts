import { z } from 'zod';
import { dmPolicySchema, groupPolicySchema } from './channels';
import { scheduleTargetSchema } from './schedules';

// Every setting, its form and its default: the single declaration used by the store, the
// environment overrides, the RPC contract and the dashboard.

export const logLevelSchema = z.enum(['error', 'warn', 'info', 'verbose', 'debug']);

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** `llama:/path/model.gguf`, `ollama:NAME@http://host:port` or `openai:NAME@BASE_URL`. */
export const modelSpecSchema = z.string().refine(
  (value) => {
    const [kind, rest] = splitOnce(value, ':');
    if (!rest) return false;
    if (kind === 'llama') return rest.toLowerCase().endsWith('.gguf');
    if (kind === 'ollama' || kind === 'openai') {
      const [name, url] = splitOnce(rest, '@');
      if (!name) return false;
      if (url === undefined) return kind === 'ollama';
      return httpUrl.safeParse(url).success;
    }
    return false;
  },
  { error: 'expected llama:/path/model.gguf, ollama:NAME[@http://host:port] or openai:NAME@BASE_URL' },
);

export const MODEL_SPEC_EXAMPLE = 'llama:/models/qwen2.5-1.5b-instruct-q4_k_m.gguf';

function splitOnce(value: string, sep: string): [string, string | undefined] {
  const at = value.indexOf(sep);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}

/** Telegram user ids and WhatsApp numbers/JIDs that may talk to Perch. */
export const senderIdSchema = z.string().regex(/^[+\w.@:-]{1,64}$/, 'expected a sender id such as 123456789 or +4915112345678');

/** Per channel: the first allowFrom entry is the owner; the policies say who else is answered. */
const channelPolicies = {
  dmPolicy: dmPolicySchema.default('allowlist'),
  groupPolicy: groupPolicySchema.default('off'),
  /** How long a pairing code stays valid. */
  pairingTtlMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
};

// Each default is written once, on its field; `.prefault({})` builds absent sections from them.
export const settingsSchema = z.object({
  logLevel: logLevelSchema.default('info'),
  gateway: z
    .object({
      rateLimit: z
        .object({
          perSecond: z.number().int().min(1).max(1_000_000).default(2_000),
          burst: z.number().int().min(1).max(1_000_000).default(4_000),
        })
        .prefault({}),
    })
    .prefault({}),
  models: z
    .object({
      chat: modelSpecSchema.nullable().default(null),
      embed: modelSpecSchema.nullable().default(null),
      /** Tried in order when the chat model fails (each behind its own circuit breaker). */
      fallback: z.array(modelSpecSchema).max(5).default([]),
    })
    .prefault({}),
  agent: z
    .object({
      /** Upper bound for one reply; the context window may allow less. */
      maxReplyTokens: z.number().int().min(16).max(8192).default(1024),
    })
    .prefault({}),
  approvals: z
    .object({
      /** ask: prompt for anything no rule covers; allowlist: run only what a rule covers; deny: run nothing. */
      policy: z.enum(['ask', 'allowlist', 'deny']).default('ask'),
      /** An undecided approval expires (and counts as denied) after this long: 10 minutes by default. */
      expirySeconds: z.number().int().min(1).max(86_400).default(600),
    })
    .prefault({}),
  exec: z
    .object({
      timeoutSeconds: z.number().int().min(1).max(3600).default(60),
      /** Output kept per stream for the model; more is counted and dropped. */
      maxOutputBytes: z.number().int().min(1024).max(4 * 1024 * 1024).default(64 * 1024),
    })
    .prefault({}),
  memory: z
    .object({
      /** Weights of the two rankings in reciprocal-rank fusion. */
      vectorWeight: z.number().min(0).max(10).default(1),
      keywordWeight: z.number().min(0).max(10).default(1),
      /** Chunks recalled into the context for each message (0 turns recall off). */
      recallLimit: z.number().int().min(0).max(20).default(4),
    })
    .prefault({}),
  usage: z
    .object({
      /** Prices in US dollars per million tokens, keyed by "provider:model" (e.g. "openai:gpt-4o-mini"). */
      prices: z
        .record(z.string().max(200), z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }))
        .default({}),
    })
    .prefault({}),
  scheduler: z
    .object({
      /** Jobs running at the same time; more wait their turn. */
      maxConcurrentRuns: z.number().int().min(1).max(16).default(2),
      /** A run missed while the computer slept or was off is caught up (once) if it is at most this late. */
      catchUpGraceMinutes: z.number().int().min(0).max(7 * 24 * 60).default(60),
      /** Delivery attempts before a run counts as failed and the owner is told. */
      deliveryAttempts: z.number().int().min(1).max(20).default(5),
      /** Where final failures are reported besides the dashboard (a chat), if anywhere. */
      failureChat: scheduleTargetSchema.nullable().default(null),
    })
    .prefault({}),
  limits: z
    .object({
      /** Per chat sender: this many messages at once, then senderPerMinute; more are skipped with one notice. */
      senderBurst: z.number().int().min(1).max(1000).default(8),
      senderPerMinute: z.number().int().min(1).max(10_000).default(20),
      /** Chat messages waiting for the model at once, over all channels; more wait in the store and the chat is told once. */
      maxQueuedMessages: z.number().int().min(1).max(10_000).default(200),
      /** Chat messages taken on per minute over all senders and channels (a minute's worth may come at once); more wait their turn. */
      globalPerMinute: z.number().int().min(1).max(1_000_000).default(1200),
    })
    .prefault({}),
  privacy: z
    .object({
      /** Messages older than this are deleted by a daily job (0 keeps them); a conversation may set its own. */
      retentionDays: z.number().int().min(0).max(36_500).default(90),
    })
    .prefault({}),
  desktop: z
    .object({
      /** Start Perch when the owner logs in (macOS and Windows login items; an autostart entry on Linux). */
      launchAtLogin: z.boolean().default(false),
      /** Check for a new release and download it in the background (installed at the next restart). */
      autoUpdate: z.boolean().default(true),
    })
    .prefault({}),
  telegram: z
    .object({
      apiRoot: httpUrl.nullable().default(null),
      allowFrom: z.array(senderIdSchema).max(1000).default([]),
      ...channelPolicies,
    })
    .prefault({}),
  whatsapp: z
    .object({
      enabled: z.boolean().default(false),
      /** WhatsApp's WebSocket address; null is WhatsApp's own. Set for a proxy or a test server. */
      webSocketUrl: z.url({ protocol: /^wss?$/ }).nullable().default(null),
      allowFrom: z.array(senderIdSchema).max(1000).default([]),
      ...channelPolicies,
    })
    .prefault({}),
});

export type Settings = z.output<typeof settingsSchema>;
export type SettingsSection = keyof Settings;

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export type SettingsPatch = DeepPartial<Settings>;

// A patch is the settings schema with every object level optional and defaults removed (an
// absent key means "leave as is"), strict so a misspelt key is an error rather than ignored.
function deepPartial(schema: z.ZodType): z.ZodType {
  const inner = schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault ? (schema.unwrap() as z.ZodType) : schema;
  if (inner instanceof z.ZodObject) {
    const shape = Object.fromEntries(
      Object.entries(inner.shape as Record<string, z.ZodType>).map(([key, value]) => [key, deepPartial(value).optional()]),
    );
    return z.strictObject(shape);
  }
  return inner;
}

export const settingsPatchSchema = deepPartial(settingsSchema) as z.ZodType<SettingsPatch>;

export const defaultSettings = (): Settings => settingsSchema.parse({});
