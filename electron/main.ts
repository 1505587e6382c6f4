import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { app, BrowserWindow, ipcMain, Menu, nativeImage, Notification, session as electronSession, shell, Tray } from 'electron';
import electronUpdater from 'electron-updater';
import { createClient } from '../main/contract/client';
import { startCore, type Core } from '../main/core';
import { createLocalTransport } from '../main/gateway/local-transport';
import { createSession } from '../main/gateway/session';
import { bridgeIpc } from './ipc-bridge';
import { applyLaunchAtLogin } from './login-item';
import { electronSqliteBinding } from './native-sqlite';
import { desktopSqliteOptions } from './native-sqlite-build';
import { desktopNotifications } from './notifications';
import { withTrayTestHooks } from './test-hooks';
import { TrayController } from './tray';
import { startUpdater } from './updater';
import { hardenWindow, windowOptions } from './window';

// The desktop shell: hosts the core in the main process, lives in the tray, shows the dashboard
// on demand. Thin on purpose: every decision lives in main/, this only adapts it to Electron.

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.join(here, '../renderer/index.html');
const preloadFile = path.join(here, '../preload/index.cjs');
const resources = app.isPackaged ? path.join(process.resourcesPath, 'resources') : path.join(here, '../../resources');

let core: Core | null = null;
let window: BrowserWindow | null = null;
const teardown: Array<() => void> = [];

if (!app.requestSingleInstanceLock()) {
  app.quit(); // a second launch: the first one shows its window (below)
} else {
  app.on('second-instance', () => showWindow());
  app.on('window-all-closed', () => undefined); // a tray app keeps running with no window
  app.on('before-quit', (event) => {
    if (!core) return;
    event.preventDefault();
    const stopping = core;
    core = null;
    for (const step of teardown.splice(0)) step();
    void stopping.stop().finally(() => app.exit(0));
  });
  app.whenReady().then(start, (error: Error) => fail(error));
}

async function start(): Promise<void> {
  try {
    // From a clone, better-sqlite3 is built for Node: the first launch builds one for Electron.
    const nativeBinding = await electronSqliteBinding(desktopSqliteOptions(app));
    core = await startCore({ mode: 'desktop', staticDir: path.join(here, '../renderer'), nativeBinding });
  } catch (error) {
    return fail(error as Error);
  }
  const running = core;
  electronSession.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  electronSession.defaultSession.setPermissionCheckHandler(() => false);
  teardown.push(bridgeIpc({ ipcMain, router: running.router, bus: running.bus, rateLimit: () => running.settings.get().gateway.rateLimit, window: () => window?.webContents ?? null }));

  // The shell's own client (tray and notifications act as the desktop surface).
  const shellSession = createSession('ipc', () => running.settings.get().gateway.rateLimit);
  shellSession.authenticated = true;
  const client = createClient(createLocalTransport(running.router, running.bus, shellSession));
  const onError = (message: string) => running.log.warn('desktop action failed', { error: message });
  const tray = new TrayController({ ...withTrayTestHooks({ Tray, Menu }), nativeImage, client, resources, platform: process.platform, open: showWindow, quit: () => app.quit(), onError });
  teardown.push(() => tray.destroy());
  teardown.push(desktopNotifications({ Notification, client, open: showWindow, onError }));

  const launchAtLogin = () =>
    applyLaunchAtLogin(running.settings.get().desktop.launchAtLogin, {
      app,
      platform: process.platform,
      executable: process.env.APPIMAGE ?? process.execPath,
      configHome: process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'),
    });
  launchAtLogin();
  teardown.push(
    running.bus.subscribe((event, payload) => {
      if (event === 'settings.changed' && (payload as { changed: string[] }).changed.some((p) => p.startsWith('desktop.launchAtLogin'))) launchAtLogin();
    }),
  );
  teardown.push(
    startUpdater({
      autoUpdater: electronUpdater.autoUpdater,
      report: (status, install) => running.updates.report(status, install),
      packaged: app.isPackaged,
      enabled: () => running.settings.get().desktop.autoUpdate,
    }),
  );
  // Started at login: stay in the tray until asked.
  if (!process.argv.includes('--hidden')) showWindow();
}

function showWindow(route?: string): void {
  if (!window) {
    window = new BrowserWindow(windowOptions(preloadFile));
    hardenWindow(window, shell);
    window.on('close', (event) => {
      if (!core) return;
      event.preventDefault();
      // Closing hides to the tray. On Linux a tray may have no host to show it, so the window is
      // minimised instead and stays reachable from the task bar.
      if (process.platform === 'linux') window?.minimize();
      else window?.hide();
    });
    window.once('ready-to-show', () => window?.show());
    void window.loadFile(rendererIndex, route ? { hash: `/${route}` } : {});
    return;
  }
  if (route) void window.webContents.executeJavaScript(`location.hash = ${JSON.stringify(`#/${route}`)}`);
  window.show();
  window.focus();
}

function fail(error: Error): void {
  // Started by `npm start`: the launcher says it in its one fallback line and runs headless.
  const reasonFile = process.env.PERCH_DESKTOP_REASON_FILE;
  if (reasonFile) fs.writeFileSync(reasonFile, error.message.split('\n')[0]!);
  else process.stderr.write(`Perch failed to start: ${error.message}\n`);
  app.exit(1);
}
