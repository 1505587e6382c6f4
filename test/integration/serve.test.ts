import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCodes } from '../../main/serve';
import { openDatabase, closeDatabase } from '../../main/store/database';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart } from '../helpers/serve-process';

// The headless app started exactly as `npm run serve` starts it.

const baseEnv = (dataDir: string, port: number) => ({ PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: String(port), PERCH_GATEWAY_TOKEN: TEST_TOKEN });

describe('npm run serve', () => {
  it('prints the gateway URL and a one-time link, serves /health and /ready, and exits 0 on SIGTERM with the WAL checkpointed', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const proc = spawnServe(baseEnv(dataDir, port));
    const { gateway, dashboard } = await waitForStart(proc);
    expect(gateway).toBe(`ws://127.0.0.1:${port}/rpc`);
    expect(dashboard).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/#login=[\\w-]{20,}$`));
    expect(proc.stdout()).not.toContain(TEST_TOKEN);

    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);

    const ws = await RpcSocket.open(gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
    await ws.request('settings.update', { patch: { logLevel: 'verbose' } });
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect((await ws.waitClosed()).code).toBe(1001); // told "going away", not dropped
    const wal = path.join(dataDir, 'perch.db-wal');
    expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'perch.pid'))).toBe(false);
    const log = fs.readFileSync(path.join(dataDir, 'logs', 'perch.log'), 'utf8');
    expect(log).toContain('"msg":"Perch stopping"');
    expect(log).not.toContain(TEST_TOKEN);
  });

  it('keeps settings across a restart and shuts down cleanly on SIGINT', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    let proc = spawnServe(baseEnv(dataDir, port));
    let { gateway } = await waitForStart(proc);
    let ws = await RpcSocket.open(gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
    expect((await ws.request('settings.update', { patch: { whatsapp: { allowFrom: ['+15550100'] }, gateway: { rateLimit: { burst: 777 } } } })).result).toBeDefined();
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);

    proc = spawnServe(baseEnv(dataDir, port));
    ({ gateway } = await waitForStart(proc));
    ws = await RpcSocket.open(gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
    const { result } = await ws.request('settings.get');
    expect(result.settings.whatsapp.allowFrom).toEqual(['+15550100']);
    expect(result.settings.gateway.rateLimit).toEqual({ perSecond: 2000, burst: 777 });
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it('refuses a second instance on the same data dir with a clear message', async () => {
    const dataDir = tempDataDir();
    const first = spawnServe(baseEnv(dataDir, await freePort()));
    await waitForStart(first);
    const second = spawnServe(baseEnv(dataDir, await freePort()));
    expect(await second.exited).toBe(ExitCodes.alreadyRunning);
    expect(second.stderr()).toContain(`Another Perch (pid ${first.child.pid}) is already running with the data directory ${dataDir}`);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('stops on invalid configuration naming the variable and the expected form', async () => {
    const proc = spawnServe({ ...baseEnv(tempDataDir(), 1), PERCH_GATEWAY_PORT: 'eighty', PERCH_MODEL: 'gpt-4' });
    expect(await proc.exited).toBe(ExitCodes.config);
    expect(proc.stderr()).toContain('Perch cannot start: invalid configuration');
    expect(proc.stderr()).toContain('PERCH_GATEWAY_PORT="eighty" is invalid: expected an integer from 1 to 65535');
    expect(proc.stderr()).toContain('PERCH_MODEL="gpt-4" is invalid: expected llama:/path/model.gguf');
    expect(proc.stdout()).toBe('');
  });

  it('refuses a database from a newer version and leaves it untouched', async () => {
    const dataDir = tempDataDir();
    const file = path.join(dataDir, 'perch.db');
    const db = openDatabase(file);
    db.exec("CREATE TABLE schema_migrations (domain TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (domain, version)) STRICT");
    db.prepare("INSERT INTO schema_migrations VALUES ('settings', 1, 'a', 'x'), ('settings', 2, 'b', 'x')").run();
    closeDatabase(db);
    const before = fs.readFileSync(file);
    const proc = spawnServe(baseEnv(dataDir, await freePort()));
    expect(await proc.exited).toBe(ExitCodes.newerDatabase);
    expect(proc.stderr()).toMatch(/written by a newer Perch: its "settings" schema is version 2, this version knows up to 1/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('npm start says in one line that Electron cannot start here and runs headless', async () => {
    const port = await freePort();
    const proc = spawnServe(baseEnv(tempDataDir(), port), []); // no DISPLAY in this environment
    await waitForStart(proc);
    const first = proc.stdout().split('\n')[0];
    expect(first).toBe(`Perch: Electron cannot start here (no display); running headless with the dashboard at http://127.0.0.1:${port}/`);
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it('says clearly when the port is taken', async () => {
    const port = await freePort();
    const first = spawnServe(baseEnv(tempDataDir(), port));
    await waitForStart(first);
    const second = spawnServe(baseEnv(tempDataDir(), port));
    expect(await second.exited).toBe(ExitCodes.failed);
    expect(second.stderr()).toContain(`The gateway port ${port} on 127.0.0.1 is already in use`);
    first.child.kill('SIGTERM');
    await first.exited;
  });
});
