import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, session as electronSession, shell } from 'electron';
import { RpcError } from '../main/contract/errors';
import { eventNames } from '../main/contract/events';
import { startCore, type Core } from '../main/core';
import { createLocalTransport } from '../main/gateway/local-transport';
import { createSession } from '../main/gateway/session';
import { IPC_CALL, IPC_EVENT } from './ipc-channels';

// The desktop shell: hosts the core in the main process and shows the dashboard. Thin on
// purpose: every decision lives in main/, this only adapts it to Electron.

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.join(here, '../renderer/index.html');
const preloadFile = path.join(here, '../preload/index.cjs');

let core: Core | null = null;
let window: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('window-all-closed', () => undefined); // a tray app keeps running with no window
  app.on('before-quit', (event) => {
    if (!core) return;
    event.preventDefault();
    const stopping = core;
    core = null;
    void stopping.stop().finally(() => app.exit(0));
  });
  app.whenReady().then(start, (error: Error) => fail(error));
}

async function start(): Promise<void> {
  try {
    core = await startCore({ mode: 'desktop', staticDir: path.join(here, '../renderer') });
  } catch (error) {
    return fail(error as Error);
  }
  electronSession.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  bridgeIpc(core);
  showWindow();
}

function bridgeIpc(running: Core): void {
  const ipcSession = createSession('ipc', () => running.settings.get().gateway.rateLimit);
  ipcSession.authenticated = true;
  ipcSession.authVia = 'ipc';
  const transport = createLocalTransport(running.router, running.bus, ipcSession);
  for (const event of eventNames) {
    transport.on(event, (payload) => window?.webContents.send(IPC_EVENT, event, payload));
  }
  ipcMain.handle(IPC_CALL, async (event, method: unknown, params: unknown) => {
    // Only Perch's own window, showing Perch's own page, may call into the core.
    if (!window || event.sender !== window.webContents || !event.senderFrame?.url.startsWith('file://')) {
      return { error: { code: -32001, message: 'IPC caller is not the Perch window', data: { code: 'unauthorized' } } };
    }
    try {
      return { result: await transport.request(String(method), params) };
    } catch (error) {
      return { error: error instanceof RpcError ? error.toJSON() : { code: -32603, message: 'Internal error' } };
    }
  });
}

function showWindow(): void {
  if (window) {
    window.show();
    window.focus();
    return;
  }
  window = new BrowserWindow({
    width: 1100,
    height: 760,
    title: 'Perch',
    show: false,
    webPreferences: { preload: preloadFile, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.on('close', (event) => {
    if (!core) return;
    event.preventDefault(); // closing hides to the tray
    window?.hide();
  });
  window.once('ready-to-show', () => window?.show());
  void window.loadFile(rendererIndex);
}

function fail(error: Error): void {
  process.stderr.write(`Perch failed to start: ${error.message}\n`);
  app.exit(1);
}
