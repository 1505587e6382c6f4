import { describe, expect, it } from 'vitest';
import { ConfigError, defaultDataDir, readRuntimeConfig } from '../../main/config/runtime-config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    readRuntimeConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('runtime configuration', () => {
  it('defaults to loopback:18789 and the OS app-data dir', () => {
    const config = readRuntimeConfig({});
    expect(config.gateway).toEqual({ host: '127.0.0.1', port: 18789 });
    expect(config.dataDir).toBe(defaultDataDir());
    expect(defaultDataDir('darwin', {})).toMatch(/Library\/Application Support\/Perch$/);
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/x' })).toBe('/x/Perch');
    expect(config.gatewayToken).toBeNull();
  });

  it('maps settings variables onto settings and reports which', () => {
    const config = readRuntimeConfig({
      PERCH_MODEL: 'ollama:llama3.2@http://127.0.0.1:11434',
      PERCH_LOG_LEVEL: 'debug',
      PERCH_TELEGRAM_ALLOW_FROM: '123, 456',
      PERCH_WHATSAPP: '1',
    });
    expect(config.overrides).toEqual({ models: { chat: 'ollama:llama3.2@http://127.0.0.1:11434' }, logLevel: 'debug', telegram: { allowFrom: ['123', '456'] }, whatsapp: { enabled: true } });
    expect(config.overridden.map((o) => o.variable).sort()).toEqual(['PERCH_LOG_LEVEL', 'PERCH_MODEL', 'PERCH_TELEGRAM_ALLOW_FROM', 'PERCH_WHATSAPP']);
  });

  it.each([
    ['PERCH_GATEWAY_PORT', 'abc', 'an integer from 1 to 65535'],
    ['PERCH_GATEWAY_PORT', '70000', 'an integer from 1 to 65535'],
    ['PERCH_DATA_DIR', 'relative/dir', 'an absolute directory path'],
    ['PERCH_MODEL', 'gpt-4', 'llama:/path/model.gguf, ollama:NAME@http://host:port or openai:NAME@BASE_URL'],
    ['PERCH_MODEL', 'openai:gpt-4o', 'openai:NAME@BASE_URL'],
    ['PERCH_EMBED_MODEL', 'llama:/x/model.bin', 'the same forms as PERCH_MODEL'],
    ['PERCH_LOG_LEVEL', 'loud', 'one of error, warn, info, verbose, debug'],
    ['PERCH_WHATSAPP', 'yes', '1 (enabled) or 0 (disabled)'],
    ['PERCH_TELEGRAM_API_ROOT', 'ftp://x', 'an http(s) URL'],
    ['PERCH_GATEWAY_HOST', 'not a host!', 'a host name or IP address'],
  ])('names %s=%s and the expected form', (variable, value, expected) => {
    const problems = problemsOf({ [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${variable}="${value}" is invalid`);
    expect(problems[0]).toContain(expected);
  });

  it('reports every problem at once and never echoes a secret', () => {
    const problems = problemsOf({ PERCH_GATEWAY_TOKEN: 'short secret', PERCH_LOG_LEVEL: 'x' });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).not.toContain('short secret');
    expect(problems.join('\n')).toContain('PERCH_GATEWAY_TOKEN="<12 characters>" is invalid: expected at least 24 characters');
  });
});
