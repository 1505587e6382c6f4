import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allMigrations, VERSION } from '../../main/core';
import { RpcError } from '../../main/contract/errors';
import { defaultSettings } from '../../main/contract/settings';
import { createLogger } from '../../main/log/logger';
import { SettingsService } from '../../main/settings/settings-service';
import { closeDatabase, openDatabase } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { tempDataDir } from '../helpers/data-dir';

const log = createLogger({ dir: null, level: 'error', console: false });

function openSettings(file: string, overrides = {}, overridden: Array<{ path: string; variable: string }> = []) {
  const db = openDatabase(file);
  migrate(db, file, allMigrations, VERSION);
  return { db, settings: new SettingsService(db, overrides, overridden, log) };
}

describe('settings', () => {
  it('starts from the defaults', () => {
    const { db, settings } = openSettings(path.join(tempDataDir(), 'perch.db'));
    expect(settings.get()).toEqual(defaultSettings());
    expect(settings.get().gateway.rateLimit).toEqual({ perSecond: 2000, burst: 4000 });
    closeDatabase(db);
  });

  it('stores an update and reports what changed; it survives reopening', () => {
    const file = path.join(tempDataDir(), 'perch.db');
    let { db, settings } = openSettings(file);
    const { changed } = settings.update({ logLevel: 'debug', whatsapp: { allowFrom: ['+4915112345678'] } });
    expect(changed.sort()).toEqual(['logLevel', 'whatsapp.allowFrom']);
    closeDatabase(db);
    ({ db, settings } = openSettings(file));
    expect(settings.get().logLevel).toBe('debug');
    expect(settings.get().whatsapp).toMatchObject({ enabled: false, allowFrom: ['+4915112345678'], dmPolicy: 'allowlist' });
    closeDatabase(db);
  });

  it('rejects an invalid value, names it, and stores nothing', () => {
    const { db, settings } = openSettings(path.join(tempDataDir(), 'perch.db'));
    const attempt = () => settings.update({ logLevel: 'debug', models: { chat: 'gpt4' } });
    expect(attempt).toThrow(RpcError);
    expect(attempt).toThrow(/Invalid setting models\.chat: expected llama:/);
    expect(settings.get().logLevel).toBe('info');
    expect(db.prepare('SELECT count(*) AS n FROM settings').get()).toEqual({ n: 0 });
    closeDatabase(db);
  });

  it('lets the environment win and says so', () => {
    const { db, settings } = openSettings(path.join(tempDataDir(), 'perch.db'), { logLevel: 'warn' }, [{ path: 'logLevel', variable: 'PERCH_LOG_LEVEL' }]);
    settings.update({ logLevel: 'debug' });
    expect(settings.view()).toMatchObject({ settings: { logLevel: 'warn' }, overridden: [{ path: 'logLevel', variable: 'PERCH_LOG_LEVEL' }] });
    closeDatabase(db);
  });

  it('falls back to the default for an unreadable stored section without deleting it', () => {
    const file = path.join(tempDataDir(), 'perch.db');
    let { db, settings } = openSettings(file);
    db.prepare("INSERT INTO settings (section, value, updated_at) VALUES ('gateway', '{not json', 'x'), ('logLevel', '\"verbose\"', 'x')").run();
    closeDatabase(db);
    ({ db, settings } = openSettings(file));
    expect(settings.get().gateway).toEqual(defaultSettings().gateway);
    expect(settings.get().logLevel).toBe('verbose');
    expect(db.prepare("SELECT value FROM settings WHERE section = 'gateway'").get()).toEqual({ value: '{not json' });
    closeDatabase(db);
  });
});
