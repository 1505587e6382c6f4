import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environBounds, SECRET_ENV_VARS } from '../../main/config/secret-env';
import { requestExec } from '../helpers/approvals';
import { spawnCoreProcess } from '../helpers/core-process';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { waitForStart, type ServeProcess } from '../helpers/serve-process';

// Issue 16, part 4: an approved command used to print Perch's tokens with `cat /proc/$PPID/environ`.
// The core runs in its own process, started with the secrets in its environment as a user would
// pass them; approved commands (tools.invoke + approvals.resolve) then look for them everywhere.

const SECRETS = {
  PERCH_GATEWAY_TOKEN: 'gw-secret-7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c',
  PERCH_OPENAI_API_KEY: 'sk-secret-4b6d8f0a2c4e6a8b0d2f4a6c',
  PERCH_TELEGRAM_TOKEN: '123456789:AAEsecretTelegramToken_0123456789',
} as const;
const values = Object.values(SECRETS);

describe.skipIf(process.platform !== 'linux')('secrets passed in the environment', () => {
  let app: ServeProcess;
  let ws: RpcSocket;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDataDir();
    app = spawnCoreProcess({
      ...SECRETS,
      PERCH_DATA_DIR: dataDir,
      PERCH_GATEWAY_PORT: '0',
      // Nothing listens there: the Telegram channel fails quietly instead of going online.
      PERCH_TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
    });
    const { gateway } = await waitForStart(app, 30_000);
    // The token was read before it was wiped: it still signs in.
    ws = await RpcSocket.open(gateway, { Authorization: `Bearer ${SECRETS.PERCH_GATEWAY_TOKEN}` });
    await ws.request('events.subscribe', { events: ['approval.requested'] });
  }, 60_000);

  afterAll(async () => {
    ws?.close();
    app?.child.kill('SIGTERM');
    await app?.exited;
  });

  /** Runs a command through the real approval path and returns what it printed. */
  async function approvedRun(command: string): Promise<string> {
    const { approval, reply } = await requestExec(ws, { command });
    const resolved = await ws.request('approvals.resolve', { id: approval.id, decision: 'approve' });
    expect(resolved.result.approval.status).toBe('approved');
    const { result } = await reply;
    expect(result).toMatchObject({ ok: true, exitCode: 0 });
    return result.output as string;
  }

  it('the command runs as a child of the core itself', async () => {
    expect((await approvedRun('echo $PPID')).trim()).toBe(String(app.child.pid));
  });

  it('cat /proc/$PPID/environ and env show none of the secrets', async () => {
    const environ = await approvedRun("cat /proc/$PPID/environ | tr '\\0' '\\n'");
    // It really is the core's environment block: the variables that are not secret are still there.
    expect(environ).toContain(`PERCH_DATA_DIR=${dataDir}`);
    for (const value of values) expect(environ).not.toContain(value);
    for (const name of SECRET_ENV_VARS) expect(environ).not.toMatch(new RegExp(`${name}=.`));

    const env = await approvedRun('env');
    for (const value of values) expect(env).not.toContain(value);
    expect(env).not.toContain('PERCH_');
  });

  it('the block is clean seen from outside too, in every form a reader could use', async () => {
    const pid = app.child.pid!;
    const raw = fs.readFileSync(`/proc/${pid}/environ`);
    for (const value of values) expect(raw.includes(value)).toBe(false);
    expect(raw.toString('latin1')).toContain(`PERCH_DATA_DIR=${dataDir}`);
    // And the bounds the core used are where the kernel says the block is.
    const { start, end } = environBounds(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    expect(end - start).toBe(raw.length);
  });

  it('nothing about the wipe went to the log as a failure', () => {
    const logDir = `${dataDir}/logs`;
    const text = fs.readdirSync(logDir).map((f) => fs.readFileSync(`${logDir}/${f}`, 'utf8')).join('');
    expect(text).not.toContain('could not be wiped');
    for (const value of values) expect(text).not.toContain(value);
  });
});
