import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IPC_CALL, IPC_EVENT } from '../../electron/ipc-channels';

// The two files Electron loads itself, against a stand-in `electron` module: the preload exposes
// only call and on (with an unsubscribe), and the main entry keeps a single instance (a second
// launch quits and the first one shows its window).

const electron = vi.hoisted(() => ({ current: {} as Record<string, unknown> }));
vi.mock('electron', async () => (await import('../helpers/electron-stand-in')).electronStandIn(electron));

afterEach(() => {
  vi.resetModules();
});

describe('the preload', () => {
  it('exposes exactly call and on; call goes through the invoke channel, errors are thrown, on unsubscribes', async () => {
    const exposed: Record<string, Record<string, unknown>> = {};
    const renderer = Object.assign(new EventEmitter(), {
      invocations: [] as unknown[][],
      async invoke(...args: unknown[]) {
        this.invocations.push(args);
        return args[1] === 'bad.method' ? { error: { code: -32601, message: 'Method not found: bad.method' } } : { result: { pong: true } };
      },
    });
    electron.current = { contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => void (exposed[key] = api) }, ipcRenderer: renderer };
    await import('../../preload/index');
    expect(Object.keys(exposed)).toEqual(['perch']);
    const perch = exposed.perch as { call(m: string, p?: unknown): Promise<unknown>; on(e: string, cb: (p: unknown) => void): () => void };
    expect(Object.keys(perch).sort()).toEqual(['call', 'on']);
    expect(await perch.call('system.ping')).toEqual({ pong: true });
    expect(renderer.invocations).toEqual([[IPC_CALL, 'system.ping', {}]]);
    await expect(perch.call('bad.method')).rejects.toMatchObject({ message: 'Method not found: bad.method', code: -32601 });
    const got: unknown[] = [];
    const off = perch.on('channel.qr', (payload) => got.push(payload));
    renderer.emit(IPC_EVENT, {}, 'channel.qr', { channel: 'whatsapp', qr: 'A' });
    renderer.emit(IPC_EVENT, {}, 'tray.changed', { state: 'idle' }); // another event: not this listener's
    off();
    renderer.emit(IPC_EVENT, {}, 'channel.qr', { channel: 'whatsapp', qr: 'B' });
    expect(got).toEqual([{ channel: 'whatsapp', qr: 'A' }]);
    expect(renderer.listenerCount(IPC_EVENT)).toBe(0);
  });
});

describe('the main entry', () => {
  const stubApp = (hasLock: boolean) => {
    const app = Object.assign(new EventEmitter(), {
      isPackaged: false,
      quit: vi.fn(),
      exit: vi.fn(),
      requestSingleInstanceLock: () => hasLock,
      whenReady: () => new Promise(() => undefined), // the core is not started in this test
    });
    electron.current = { app, BrowserWindow: vi.fn(), ipcMain: {}, Menu: {}, nativeImage: {}, Notification: {}, session: {}, shell: {}, Tray: vi.fn() };
    return app;
  };

  it('quits at once when another Perch already runs', async () => {
    const app = stubApp(false);
    await import('../../electron/main');
    expect(app.quit).toHaveBeenCalledTimes(1);
    expect(app.listenerCount('second-instance')).toBe(0);
  });

  it('keeps running with no window open, and shows its window when launched again', async () => {
    const app = stubApp(true);
    await import('../../electron/main');
    expect(app.quit).not.toHaveBeenCalled();
    expect(app.listenerCount('second-instance')).toBe(1);
    app.emit('window-all-closed'); // a tray app does not quit with its last window
    expect(app.quit).not.toHaveBeenCalled();
    const BrowserWindow = electron.current.BrowserWindow as ReturnType<typeof vi.fn>;
    BrowserWindow.mockImplementation(function (this: Record<string, unknown>, options: unknown) {
      Object.assign(this, { options, on: vi.fn(), once: vi.fn(), loadFile: vi.fn(async () => undefined), webContents: { setWindowOpenHandler: vi.fn(), on: vi.fn() } });
    });
    app.emit('second-instance');
    expect(BrowserWindow).toHaveBeenCalledTimes(1);
    expect((BrowserWindow.mock.calls[0]![0] as { webPreferences: { sandbox: boolean } }).webPreferences.sandbox).toBe(true);
  });
});
