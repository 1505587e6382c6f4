import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { telegramTokenSchema } from '../contract/channels';
import {
  logLevelSchema,
  MODEL_SPEC_EXAMPLE,
  modelSpecSchema,
  senderIdSchema,
  settingsPatchSchema,
  type SettingsPatch,
} from '../contract/settings';
import { SECRET_ENV_VARS } from './secret-env';

// The environment variables of product.md, validated at start. Variables that mirror a setting
// override the stored value (and are reported as such); the others configure the process.

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Perch cannot start: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface RuntimeConfig {
  dataDir: string;
  gateway: { host: string; port: number };
  gatewayToken: string | null;
  secrets: { telegramToken: string | null; openaiApiKey: string | null };
  /** PERCH_MODEL_CATALOG: where the recommended models are listed (null: the built-in list). */
  modelCatalog: string | null;
  /** Settings forced by the environment, and which variable forced each dotted path. */
  overrides: SettingsPatch;
  overridden: Array<{ path: string; variable: string }>;
}

interface Variable<T> {
  expected: string;
  schema: z.ZodType<T>;
  parse?: (raw: string) => unknown;
}

const csv = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const hostSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[0-9a-fA-F:]*:[0-9a-fA-F:]+|[A-Za-z0-9.-]+)$/, 'not a host name or IP address');

const vars = {
  PERCH_DATA_DIR: { expected: 'an absolute directory path, e.g. /home/me/.perch', schema: z.string().refine((p) => path.isAbsolute(p)) },
  PERCH_GATEWAY_PORT: { expected: 'an integer from 1 to 65535, e.g. 18789 (0 picks a free port)', schema: z.coerce.number().int().min(0).max(65535) },
  PERCH_GATEWAY_HOST: { expected: 'a host name or IP address, e.g. 127.0.0.1', schema: hostSchema },
  PERCH_GATEWAY_TOKEN: { expected: 'at least 24 characters without spaces', schema: z.string().regex(/^\S{24,1024}$/) },
  PERCH_MODEL: { expected: `llama:/path/model.gguf, ollama:NAME@http://host:port or openai:NAME@BASE_URL, e.g. ${MODEL_SPEC_EXAMPLE}`, schema: modelSpecSchema },
  PERCH_EMBED_MODEL: { expected: 'the same forms as PERCH_MODEL, e.g. llama:/models/nomic-embed-text-v1.5.Q8_0.gguf', schema: modelSpecSchema },
  PERCH_MODEL_CATALOG: {
    expected: 'an http(s) URL or an absolute path of a catalog JSON {"models": [...]}, e.g. https://example.org/perch-models.json',
    schema: z.union([z.url({ protocol: /^https?$/ }), z.string().refine((p) => path.isAbsolute(p))]),
  },
  PERCH_OPENAI_API_KEY: { expected: 'an API key without spaces', schema: z.string().regex(/^\S{8,512}$/) },
  PERCH_TELEGRAM_TOKEN: { expected: 'a bot token like 123456789:AAE…', schema: telegramTokenSchema },
  PERCH_TELEGRAM_API_ROOT: { expected: 'an http(s) URL, e.g. http://127.0.0.1:9000', schema: z.url({ protocol: /^https?$/ }) },
  PERCH_TELEGRAM_ALLOW_FROM: { expected: 'comma-separated Telegram user ids, e.g. 123456789,987654321', schema: z.array(senderIdSchema), parse: csv },
  PERCH_WHATSAPP_ALLOW_FROM: { expected: 'comma-separated phone numbers, e.g. +4915112345678,+14155550100', schema: z.array(senderIdSchema), parse: csv },
  PERCH_WHATSAPP_WS_URL: { expected: 'a ws(s) URL, e.g. wss://web.whatsapp.com/ws/chat', schema: z.url({ protocol: /^wss?$/ }) },
  PERCH_WHATSAPP: { expected: '1 (enabled) or 0 (disabled)', schema: z.enum(['0', '1']).transform((v) => v === '1') },
  PERCH_LOG_LEVEL: { expected: 'one of error, warn, info, verbose, debug', schema: logLevelSchema },
} satisfies Record<string, Variable<unknown>>;

type VarName = keyof typeof vars;

/** Which setting each settings-backed variable overrides. */
const settingPaths: Partial<Record<VarName, string>> = {
  PERCH_MODEL: 'models.chat',
  PERCH_EMBED_MODEL: 'models.embed',
  PERCH_TELEGRAM_API_ROOT: 'telegram.apiRoot',
  PERCH_TELEGRAM_ALLOW_FROM: 'telegram.allowFrom',
  PERCH_WHATSAPP_ALLOW_FROM: 'whatsapp.allowFrom',
  PERCH_WHATSAPP: 'whatsapp.enabled',
  PERCH_WHATSAPP_WS_URL: 'whatsapp.webSocketUrl',
  PERCH_LOG_LEVEL: 'logLevel',
};

export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Perch');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Perch');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Perch');
}

export function readRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const problems: string[] = [];
  const values: Partial<Record<VarName, unknown>> = {};
  for (const [name, spec] of Object.entries(vars) as Array<[VarName, Variable<unknown>]>) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const parsed = spec.schema.safeParse(spec.parse ? spec.parse(raw) : raw);
    if (parsed.success) values[name] = parsed.data;
    else problems.push(`${name}=${JSON.stringify(shown(name, raw))} is invalid: expected ${spec.expected}`);
  }

  const overrides: Record<string, unknown> = {};
  const overridden: RuntimeConfig['overridden'] = [];
  for (const [name, dotted] of Object.entries(settingPaths) as Array<[VarName, string]>) {
    if (!(name in values)) continue;
    setPath(overrides, dotted, values[name]);
    overridden.push({ path: dotted, variable: name });
  }
  // The override object must itself be a valid settings patch; this guards the table above.
  const patch = settingsPatchSchema.safeParse(overrides);
  if (!patch.success) problems.push(`environment overrides do not form valid settings: ${patch.error.message}`);

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    dataDir: (values.PERCH_DATA_DIR as string | undefined) ?? defaultDataDir(),
    gateway: {
      host: (values.PERCH_GATEWAY_HOST as string | undefined) ?? '127.0.0.1',
      port: (values.PERCH_GATEWAY_PORT as number | undefined) ?? 18789,
    },
    gatewayToken: (values.PERCH_GATEWAY_TOKEN as string | undefined) ?? null,
    secrets: {
      telegramToken: (values.PERCH_TELEGRAM_TOKEN as string | undefined) ?? null,
      openaiApiKey: (values.PERCH_OPENAI_API_KEY as string | undefined) ?? null,
    },
    modelCatalog: (values.PERCH_MODEL_CATALOG as string | undefined) ?? null,
    overrides: patch.data as SettingsPatch,
    overridden,
  };
}

// Secrets are never echoed back, not even in an error message.
function shown(name: VarName, raw: string): string {
  if ((SECRET_ENV_VARS as readonly string[]).includes(name)) {
    return `<${raw.length} characters>`;
  }
  return raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
}

export function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}
