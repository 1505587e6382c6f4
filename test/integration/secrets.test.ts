import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { GATEWAY_TOKEN_SECRET, resolveGatewayToken } from '../../main/auth/credentials';
import { createLogger } from '../../main/log/logger';
import { openSecretStore, type KeytarLike } from '../../main/secrets/secret-store';
import { tempDataDir } from '../helpers/data-dir';

// keytar is optional: a desktop without libsecret-1-dev has a D-Bus session but no keytar.
const keytarInstalled = (() => {
  try {
    return !!createRequire(import.meta.url).resolve('keytar');
  } catch {
    return false;
  }
})();

const log = createLogger({ dir: null, level: 'error', console: false });
const noKeychain = () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'));

describe('secrets', () => {
  it('falls back visibly to a 0600 file when no keychain is reachable', async () => {
    const dataDir = tempDataDir();
    const store = await openSecretStore({ dataDir, log, loadKeytar: noKeychain });
    expect(store.backend).toBe('file');
    expect(store.detail).toMatch(/no keychain reachable \(Cannot autolaunch D-Bus.*\); secrets are kept in .*secrets\.json \(mode 0600\)/);
    await store.set('x', 'secret-value-1');
    expect(fs.statSync(`${dataDir}/secrets.json`).mode & 0o777).toBe(0o600);
    expect(await store.get('x')).toBe('secret-value-1');
    await store.delete('x');
    expect(await store.get('x')).toBeNull();
  });

  it('treats a keychain that never answers as unreachable', async () => {
    const hanging: KeytarLike = { getPassword: () => new Promise(() => undefined), setPassword: async () => undefined, deletePassword: async () => true };
    const store = await openSecretStore({ dataDir: tempDataDir(), log, loadKeytar: async () => hanging, probeTimeoutMs: 50 });
    expect(store.backend).toBe('file');
    expect(store.detail).toMatch(/did not answer within 50 ms/);
  });

  it('moves to the file store, visibly, when the keychain reads but refuses writes (a locked keyring)', async () => {
    const dataDir = tempDataDir();
    const kept = new Map([['old', 'from-the-keychain']]);
    const locked: KeytarLike = {
      getPassword: async (_s, account) => kept.get(account) ?? null,
      setPassword: async () => Promise.reject(new Error('Cannot create an item in a locked collection')),
      deletePassword: async () => true,
    };
    const store = await openSecretStore({ dataDir, log, loadKeytar: async () => locked });
    expect(store.backend).toBe('keychain');
    const token = await resolveGatewayToken(null, store);
    expect(store.backend).toBe('file');
    expect(store.detail).toContain('the keychain refused a write: Cannot create an item in a locked collection');
    expect(JSON.parse(fs.readFileSync(`${dataDir}/secrets.json`, 'utf8'))[GATEWAY_TOKEN_SECRET]).toBe(token.token);
    expect(await store.get('old')).toBe('from-the-keychain');

    // The next start finds the token in the file and keeps it, instead of making a new one.
    const reopened = await openSecretStore({ dataDir, log, loadKeytar: async () => locked });
    expect(reopened.backend).toBe('file');
    expect(await resolveGatewayToken(null, reopened)).toEqual({ token: token.token, source: 'file' });
  });

  it('generates a 32-byte gateway token once and keeps it', async () => {
    const dataDir = tempDataDir();
    const store = await openSecretStore({ dataDir, log, loadKeytar: noKeychain });
    const first = await resolveGatewayToken(null, store);
    expect(first.source).toBe('file');
    expect(Buffer.from(first.token, 'base64url')).toHaveLength(32);
    expect((await resolveGatewayToken(null, store)).token).toBe(first.token);
    expect(await resolveGatewayToken('from-the-environment-0123456789', store)).toEqual({ token: 'from-the-environment-0123456789', source: 'env' });
  });

  // Runs where keytar is installed and a Secret Service is up (CI starts gnome-keyring in a D-Bus
  // session for the tests).
  it.runIf(keytarInstalled && !!process.env.DBUS_SESSION_BUS_ADDRESS)('uses the real OS keychain through keytar when one is reachable', async () => {
    const store = await openSecretStore({ dataDir: tempDataDir(), log });
    expect(store.backend).toBe('keychain');
    const name = `test-${process.pid}-${Date.now()}`;
    await store.set(name, 'kept-in-the-keychain');
    expect(await store.get(name)).toBe('kept-in-the-keychain');
    await store.delete(name);
    expect(await store.get(name)).toBeNull();
    const token = await resolveGatewayToken(null, store);
    expect(token.source).toBe('keychain');
    await store.delete(GATEWAY_TOKEN_SECRET);
  });
});
