import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/logger';
import { registerSecret } from '../log/redact';
import { writeFileAtomic } from '../store/atomic-write';

// Secrets (gateway token, bot tokens, API keys) live in the OS keychain through keytar. Where no
// keychain is reachable (a server without a Secret Service), they go to a 0600 file in the data
// dir instead, and that choice is visible in system.status and the log.

export const KEYCHAIN_SERVICE = 'Perch';

export interface SecretStore {
  readonly backend: 'keychain' | 'file';
  readonly detail: string;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export interface SecretStoreOptions {
  dataDir: string;
  log: Logger;
  /** Loads keytar; injectable so tests can simulate a machine without a keychain. */
  loadKeytar?: () => Promise<KeytarLike>;
  /** How long the keychain may take to answer the first probe. */
  probeTimeoutMs?: number;
}

const loadRealKeytar = async (): Promise<KeytarLike> => {
  const mod = (await import('keytar')) as unknown as KeytarLike & { default?: KeytarLike };
  return mod.default ?? mod;
};

export async function openSecretStore(options: SecretStoreOptions): Promise<SecretStore> {
  const { dataDir, log } = options;
  let reason: string;
  const file = path.join(dataDir, 'secrets.json');
  const fallback = (why: string) => {
    log.warn('no usable OS keychain; secrets are kept in a file readable only by this user', { file, reason: why });
    return fileStore(file, `no keychain reachable (${why}); secrets are kept in ${file} (mode 0600)`);
  };
  try {
    const keytar = await (options.loadKeytar ?? loadRealKeytar)();
    await withTimeout(keytar.getPassword(KEYCHAIN_SERVICE, '__probe__'), options.probeTimeoutMs ?? 3000);
    return withFallback(keychainStore(keytar), fallback, file);
  } catch (error) {
    reason = firstLine(error);
  }
  return fallback(reason);
}

const firstLine = (error: unknown) => (error as Error).message.split('\n')[0] ?? 'unknown error';

/**
 * A keychain that reads but cannot write (a locked collection on a server, a denied prompt) must
 * not stop Perch: the first failed write moves secrets to the file store, visibly. Values already
 * in the keychain stay readable.
 */
function withFallback(keychain: SecretStore, toFile: (reason: string) => SecretStore, file: string): SecretStore {
  // Secrets that went to the file on an earlier run (the keychain refused them then) stay there.
  let active = fs.existsSync(file) ? toFile('the keychain refused a write earlier') : keychain;
  return {
    get backend() {
      return active.backend;
    },
    get detail() {
      return active.detail;
    },
    async get(name) {
      const value = await active.get(name);
      return value ?? (active === keychain ? null : await keychain.get(name).catch(() => null));
    },
    async set(name, value) {
      if (active === keychain) {
        try {
          return await keychain.set(name, value);
        } catch (error) {
          active = toFile(`the keychain refused a write: ${firstLine(error)}`);
        }
      }
      await active.set(name, value);
    },
    async delete(name) {
      await active.delete(name);
      if (active !== keychain) await keychain.delete(name).catch(() => undefined);
    },
  };
}

function keychainStore(keytar: KeytarLike): SecretStore {
  return {
    backend: 'keychain',
    detail: `OS keychain, service "${KEYCHAIN_SERVICE}"`,
    async get(name) {
      const value = await keytar.getPassword(KEYCHAIN_SERVICE, name);
      registerSecret(value);
      return value;
    },
    async set(name, value) {
      registerSecret(value);
      await keytar.setPassword(KEYCHAIN_SERVICE, name, value);
    },
    async delete(name) {
      await keytar.deletePassword(KEYCHAIN_SERVICE, name);
    },
  };
}

function fileStore(file: string, detail: string): SecretStore {
  const read = (): Record<string, string> => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`the secrets file ${file} is unreadable: ${(error as Error).message}`, { cause: error });
    }
  };
  const write = (values: Record<string, string>) => {
    writeFileAtomic(file, JSON.stringify(values, null, 2), 0o600);
    fs.chmodSync(file, 0o600);
  };
  return {
    backend: 'file',
    detail,
    async get(name) {
      const value = read()[name] ?? null;
      registerSecret(value);
      return value;
    },
    async set(name, value) {
      registerSecret(value);
      write({ ...read(), [name]: value });
    },
    async delete(name) {
      const values = read();
      delete values[name];
      write(values);
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the keychain did not answer within ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}
