import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MenuEntry, TrayHooks } from '../../electron/test-hooks';
import { requestExec } from '../helpers/approvals';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort } from '../helpers/serve-process';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// The real desktop app in Electron, driven by Playwright (.github/workflows/desktop.yml runs it on
// Linux under xvfb, macOS and Windows): from the clone (`out/`, as `npm start` runs it), or the
// packaged app when PERCH_DESKTOP_EXECUTABLE names its executable. The window shows the dashboard
// through the IPC bridge without signing in; an exec asked through tools.invoke (over the gateway)
// shows in the window's Approvals and Approve runs it exactly once; the tray's Pause / Resume
// change the channel's state; closing the window leaves the app in the tray; Quit exits 0 with the
// database checkpointed. The tray is reached through electron/test-hooks.ts (PERCH_TEST_HOOKS=1).
//
// It needs an Electron binary and, on Linux, a display. Where there is neither (the machines the
// rest of the suite runs on), it is skipped with one line saying why; PERCH_DESKTOP_E2E=1 (set by
// the workflow) turns that line into a failure, so CI cannot pass by skipping it.

const root = path.resolve(__dirname, '../..');
// Relative to the repository, so the workflow can name it the same way on every OS.
const executable = process.env.PERCH_DESKTOP_EXECUTABLE ? path.resolve(root, process.env.PERCH_DESKTOP_EXECUTABLE) : null;
const mode = executable ? 'packaged' : 'clone';
const results = path.resolve(__dirname, '../../test-results', `desktop-app-${mode}`);
// From a clone the first launch builds better-sqlite3 for Electron (about a minute, more on CI).
const FIRST_WINDOW_MS = 6 * 60_000;
const MODEL_READY_MS = 120_000;

/** Why the desktop app cannot be launched here, or null. */
function missingPrerequisite(): string | null {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display (DISPLAY is not set; run it under xvfb-run -a)';
  if (executable) return fs.existsSync(executable) ? null : `PERCH_DESKTOP_EXECUTABLE=${executable} does not exist`;
  let binary: string;
  try {
    binary = createRequire(import.meta.url)('electron') as string;
  } catch (error) {
    return `no Electron binary (require('electron') says: ${(error as Error).message.split('\n')[0]})`;
  }
  if (!fs.existsSync(binary)) return `no Electron binary at ${binary}`;
  return fs.existsSync(path.join(root, 'out/main/index.js')) ? null : 'the app is not built (run npm run build)';
}

const missing = missingPrerequisite();
const skipReason = process.env.PERCH_DESKTOP_E2E === '1' ? null : missing;
if (skipReason) console.log(`desktop-app.test.ts skipped: ${skipReason}`);

let app: ElectronApplication;
let page: Page;
let ws: RpcSocket;
let dataDir: string;
let ranFile: string;
let output = '';
let exited: Promise<number | null>;

// electron/test-hooks.ts in Electron's main process (these functions are sent there as source,
// so they name globalThis.__perch themselves).
const trayAlive = () => app.evaluate(() => (globalThis as { __perch?: TrayHooks }).__perch?.trayAlive() ?? false);
const trayMenu = () => app.evaluate(() => (globalThis as { __perch?: TrayHooks }).__perch?.menu() ?? []);
const clickTray = (...labels: string[]) => app.evaluate((_electron, items) => (globalThis as { __perch?: TrayHooks }).__perch!.click(...items), labels);

/** The tray's line for a channel ("Telegram: not set up", "Telegram: paused"…). */
async function channelLine(name: string): Promise<MenuEntry | undefined> {
  return (await trayMenu()).find((item) => item.label.startsWith(`${name}:`));
}

const ipcCall = (method: string, params?: unknown) => page.evaluate(([m, p]) => (window as unknown as { perch: { call(m: string, p?: unknown): Promise<unknown> } }).perch.call(m as string, p), [method, params] as const);

describe.skipIf(skipReason)(`the desktop app (${mode})`, () => {
  beforeAll(async () => {
    if (missing) throw new Error(`The desktop test cannot run: ${missing}`);
    fs.rmSync(results, { recursive: true, force: true });
    fs.mkdirSync(results, { recursive: true });
    dataDir = tempDataDir();
    ranFile = path.join(dataDir, 'ran.txt');
    const model = path.join(dataDir, 'tiny.gguf');
    writeTinyGguf(model, { contextLength: 2048 });
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'ELECTRON_RUN_AS_NODE') env[key] = value;
    Object.assign(env, { PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: String(port), PERCH_GATEWAY_TOKEN: TEST_TOKEN, PERCH_MODEL: `llama:${model}`, PERCH_TEST_HOOKS: '1' });
    app = await _electron.launch({ ...(executable ? { executablePath: executable, args: [] } : { args: [root] }), cwd: root, env, timeout: 120_000 });
    const child = app.process();
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    exited = new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
    // An app that fails to start (it prints why) is reported at once, not after the window's timeout.
    const first = await Promise.race([app.firstWindow({ timeout: FIRST_WINDOW_MS }), exited.then(() => null)]);
    if (!first) throw new Error(`Perch exited with code ${child.exitCode} before showing its window:\n${output.slice(-4000)}`);
    page = first;
    ws = await RpcSocket.open(`ws://127.0.0.1:${port}/rpc`, { Authorization: `Bearer ${TEST_TOKEN}` });
    await ws.request('events.subscribe', { events: ['approval.requested', 'channel.status'] });
  }, FIRST_WINDOW_MS + 60_000);

  afterAll(async () => {
    ws?.close();
    if (app && app.process().exitCode === null) await app.close().catch(() => undefined);
    // What the app printed and logged, for the workflow's artifact.
    if (fs.existsSync(results)) {
      fs.writeFileSync(path.join(results, 'app-output.txt'), output);
      if (dataDir && fs.existsSync(path.join(dataDir, 'logs'))) fs.cpSync(path.join(dataDir, 'logs'), path.join(results, 'logs'), { recursive: true });
    }
  });

  it('shows the dashboard through the IPC bridge, without signing in', async () => {
    await page.waitForFunction(() => typeof (window as unknown as { perch?: { call?: unknown } }).perch?.call === 'function');
    await page.waitForFunction(() => document.querySelector('[data-testid="connection-state"]')?.textContent === 'Connected');
    expect(await page.getByTestId('login').count()).toBe(0);
    expect(page.url()).toMatch(/^file:/); // Perch's own page from disk: no gateway, no token in the window
    await page.evaluate(() => (window.location.hash = '#/overview'));
    await page.getByTestId('status').waitFor({ timeout: MODEL_READY_MS });
    expect(await page.getByTestId('fact-data-directory').textContent()).toBe(dataDir);
    expect(await page.getByTestId('fact-mode').textContent()).toBe('Desktop app');
    expect(await ipcCall('system.status')).toMatchObject({ mode: 'desktop', dataDir });
    await page.screenshot({ path: path.join(results, 'overview.png') });
  }, MODEL_READY_MS + 30_000);

  it('shows an exec asked through tools.invoke in Approvals, and Approve runs it exactly once', async () => {
    await page.evaluate(() => (window.location.hash = '#/approvals'));
    await page.getByTestId('page-approvals').waitFor();
    // Appends one "x" per run, so a second run would show. `node` works in sh and PowerShell alike.
    const command = `node -e "require('fs').appendFileSync(process.argv[1], 'x')" "${ranFile}"`;
    const { approval, reply } = await requestExec(ws, { command });
    const row = page.getByTestId(`approval-${approval.id}`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain(ranFile);
    expect(fs.existsSync(ranFile)).toBe(false); // nothing runs before the owner approves
    await page.screenshot({ path: path.join(results, 'approval-waiting.png') });
    await row.getByRole('button', { name: /^(⚠ )?Approve( anyway)?$/ }).click();
    const answer = await reply;
    expect(answer.result).toMatchObject({ ok: true, exitCode: 0 });
    await page.getByTestId(`decided-${approval.id}`).waitFor();
    expect(fs.readFileSync(ranFile, 'utf8')).toBe('x');
    // Approving again is refused and runs nothing.
    const again = await ws.request('approvals.resolve', { id: approval.id, decision: 'approve' });
    expect(again.error).toBeTruthy();
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.readFileSync(ranFile, 'utf8')).toBe('x');
    await page.screenshot({ path: path.join(results, 'approval-decided.png') });
  }, 60_000);

  it('has a tray whose Pause and Resume change the channel state', async () => {
    expect(await trayAlive()).toBe(true);
    await expect.poll(() => channelLine('Telegram'), { timeout: 10_000 }).toBeTruthy();
    const before = (await channelLine('Telegram'))!;
    expect((await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'telegram').paused).toBe(false);

    const seen = ws.frames.length;
    await clickTray(before.label, 'Pause');
    await ws.waitFor((f) => ws.frames.indexOf(f) >= seen && f.method === 'channel.status' && f.params.channel === 'telegram' && f.params.paused === true);
    expect((await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'telegram').paused).toBe(true);
    await expect.poll(async () => (await channelLine('Telegram'))?.label).toBe('Telegram: paused'); // the menu follows tray.changed

    const resumed = ws.frames.length;
    await clickTray('Telegram: paused', 'Resume');
    await ws.waitFor((f) => ws.frames.indexOf(f) >= resumed && f.method === 'channel.status' && f.params.channel === 'telegram' && f.params.paused === false);
    expect((await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'telegram').paused).toBe(false);
    await expect.poll(async () => (await channelLine('Telegram'))?.label).toBe(before.label);
  });

  it('keeps running in the tray when the window is closed, and Open Perch shows it again', async () => {
    // close() emits the window's close event, as the title bar's close button does.
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
    await new Promise((r) => setTimeout(r, 500));
    const after = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => ({ destroyed: w.isDestroyed(), visible: w.isVisible(), minimized: w.isMinimized() })));
    expect(after).toHaveLength(1);
    expect(after[0]!.destroyed).toBe(false);
    // Hidden, except on Linux, where a tray may have no host: minimised there (a window manager
    // does that; under a bare xvfb there is none, so only "still there" is checked).
    if (process.platform !== 'linux') expect(after[0]!.visible).toBe(false);
    expect(app.process().exitCode).toBeNull();
    expect((await ws.request('system.status')).result.mode).toBe('desktop');
    expect(await trayAlive()).toBe(true);

    await clickTray('Open Perch');
    await expect.poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible())).toBe(true);
    expect(await ipcCall('system.status')).toMatchObject({ mode: 'desktop' });
  });

  it('quits from the tray with exit code 0 and leaves the database checkpointed', async () => {
    ws.close();
    await clickTray('Quit Perch').catch(() => undefined); // the process may be gone before the reply
    expect(await exited).toBe(0);
    const wal = path.join(dataDir, 'perch.db-wal');
    expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0).toBe(0);
    const db = new Database(path.join(dataDir, 'perch.db'), { fileMustExist: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // What this run did is in the main file, not only in a WAL that was never folded in.
      expect(db.prepare("SELECT status, run_state AS runState, exit_code AS exitCode FROM approvals WHERE command LIKE '%ran.txt%'").all()).toEqual([{ status: 'approved', runState: 'done', exitCode: 0 }]);
      expect(db.prepare("SELECT paused FROM channel_state WHERE channel = 'telegram'").get()).toEqual({ paused: 0 });
    } finally {
      db.close();
    }
  });
});
