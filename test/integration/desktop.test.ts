import { EventEmitter } from 'node:events';
import type { BrowserWindow, IpcMainInvokeEvent, NativeImage, WebContents } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeIpc, type Reply } from '../../electron/ipc-bridge';
import { IPC_CALL, IPC_EVENT } from '../../electron/ipc-channels';
import { desktopNotifications } from '../../electron/notifications';
import { TrayController } from '../../electron/tray';
import { trayIconName, trayMenu, trayTooltip, type TraySnapshot } from '../../electron/tray-menu';
import { hardenWindow, windowOptions } from '../../electron/window';
import { createClient, type PerchClient } from '../../main/contract/client';
import type { Core } from '../../main/core';
import { createLocalTransport } from '../../main/gateway/local-transport';
import { createSession } from '../../main/gateway/session';
import { startTestCore } from '../helpers/core';

// The desktop shell's parts against small stand-ins for Electron's objects (the Electron binary
// cannot run here) and a real core: the tray menu and its actions, the IPC bridge's sender check
// and validation, the window's security options, and notifications that decide approvals.

const until = async (check: () => boolean, ms = 5_000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

const snapshot = (over: Partial<TraySnapshot> = {}): TraySnapshot => ({
  channels: [
    { channel: 'telegram', state: 'connected', paused: false, detail: '@PerchBot', nextRetryAt: null },
    { channel: 'whatsapp', state: 'connected', paused: true, detail: '+4915100000000', nextRetryAt: null },
  ],
  pendingApprovals: 2,
  model: 'llama:qwen2.5-1.5b-instruct-q4_k_m.gguf',
  state: 'attention',
  ...over,
});

describe('the tray menu model', () => {
  it('lists Open, the approvals waiting, each channel with Pause or Resume, Pause all / Resume all, the model and Quit', () => {
    const menu = trayMenu(snapshot());
    expect(menu.map((i) => (i.separator ? '---' : i.label))).toEqual([
      'Open Perch',
      '2 approvals waiting…',
      '---',
      'Telegram: connected',
      'Whatsapp: paused',
      'Pause all',
      'Resume all',
      '---',
      'Model: llama:qwen2.5-1.5b-instruct-q4_k_m.gguf',
      '---',
      'Quit Perch',
    ]);
    expect(menu[1]!.action).toEqual({ kind: 'open', route: 'approvals' });
    expect(menu[3]!.items![0]).toEqual({ label: 'Pause', action: { kind: 'pause', channel: 'telegram' } });
    expect(menu[4]!.items![0]).toEqual({ label: 'Resume', action: { kind: 'resume', channel: 'whatsapp' } });
    expect(trayTooltip(snapshot())).toBe('Perch — 2 approvals waiting');
    const quiet = trayMenu(snapshot({ channels: [], pendingApprovals: 0, state: 'idle' }));
    expect(quiet.map((i) => i.label)).toContain('No chat channels set up');
    expect(quiet.find((i) => i.label === 'No approvals waiting')).toMatchObject({ enabled: false });
    expect(quiet.some((i) => i.label === 'Pause all')).toBe(false);
    expect(trayIconName('paused', 'darwin')).toBe('tray-pausedTemplate.png');
    expect(trayIconName('working', 'linux')).toBe('tray-working.png');
  });
});

describe('the desktop shell against a real core', () => {
  let core: Core;
  let client: PerchClient;
  beforeAll(async () => {
    core = await startTestCore();
    const session = createSession('ipc', () => ({ perSecond: 1000, burst: 1000 }));
    session.authenticated = true;
    client = createClient(createLocalTransport(core.router, core.bus, session));
  });
  afterAll(async () => {
    await core.stop();
  });

  it('builds the tray from the snapshot, pauses and resumes from it, and follows tray.changed', async () => {
    const built: Array<Array<{ label?: string; type?: string; submenu?: Array<{ label?: string; click?: () => void }>; click?: () => void }>> = [];
    const images: string[] = [];
    class StandInTray extends EventEmitter {
      tooltip = '';
      menu: unknown = null;
      destroyed = false;
      setToolTip(text: string) {
        this.tooltip = text;
      }
      setContextMenu(menu: unknown) {
        this.menu = menu;
      }
      setImage(image: NativeImage) {
        images.push(String(image));
      }
      destroy() {
        this.destroyed = true;
      }
    }
    let opened: string[] = [];
    let quit = 0;
    const tray = new TrayController({
      Tray: StandInTray as never,
      Menu: { buildFromTemplate: (template) => (built.push(template as never), template as never) },
      nativeImage: { createFromPath: (file: string) => file as unknown as NativeImage },
      client,
      resources: '/res',
      platform: 'darwin',
      open: (route) => void (opened = [...opened, route ?? 'home']),
      quit: () => void quit++,
      onError: (message) => {
        throw new Error(message);
      },
    });
    await until(() => built.length > 0);
    const latest = () => built.at(-1)!;
    const telegram = () => latest().find((i) => i.label?.startsWith('Telegram'))!;
    expect(telegram().label).toBe('Telegram: not set up');
    telegram().submenu![0]!.click!(); // Pause
    await until(() => telegram().label === 'Telegram: paused');
    expect((await client.call('channels.list')).items[0]!.paused).toBe(true);
    expect(images.at(-1)).toBe('/res/tray-pausedTemplate.png'); // every channel paused
    latest().find((i) => i.label === 'Resume all')!.click!();
    await until(() => telegram().label === 'Telegram: not set up');
    latest().find((i) => i.label === 'Open Perch')!.click!();
    latest().find((i) => i.label === 'Quit Perch')!.click!();
    expect([opened, quit]).toEqual([['home'], 1]);
    tray.destroy();
  });

  it('bridges IPC calls from Perch’s own window only, with the gateway’s validation, and forwards subscribed events', async () => {
    let handler: ((event: IpcMainInvokeEvent, method: unknown, params: unknown) => Promise<Reply>) | null = null;
    const sent: unknown[][] = [];
    const own = { send: (...args: unknown[]) => sent.push(args) } as unknown as WebContents;
    const dispose = bridgeIpc({
      ipcMain: { handle: (channel: string, fn: never) => void (channel === IPC_CALL && (handler = fn)), removeHandler: () => void (handler = null) } as never,
      router: core.router,
      bus: core.bus,
      rateLimit: () => ({ perSecond: 1000, burst: 1000 }),
      window: () => own,
    });
    const from = (sender: unknown, url = 'file:///app/out/renderer/index.html') => ({ sender, senderFrame: { url } }) as unknown as IpcMainInvokeEvent;
    expect(await handler!(from(own), 'system.ping', {})).toMatchObject({ result: { pong: true } });
    expect(await handler!(from({}), 'system.ping', {})).toMatchObject({ error: { code: -32001, message: 'IPC caller is not the Perch window' } });
    expect(await handler!(from(own, 'https://evil.example/'), 'system.ping', {})).toMatchObject({ error: { code: -32001 } });
    expect(await handler!(from(own), 'channels.pause', { channel: 42 })).toMatchObject({ error: { code: -32602 } });
    expect(await handler!(from(own), 'no.such', {})).toMatchObject({ error: { code: -32601 } });
    expect(await handler!(from(own), { method: 'x' }, {})).toMatchObject({ error: { code: -32600 } });
    // Events reach the window once subscribed, and stop when unsubscribed.
    await handler!(from(own), 'events.subscribe', { events: ['settings.changed'] });
    await handler!(from(own), 'settings.update', { patch: { logLevel: 'verbose' } });
    expect(sent).toEqual([[IPC_EVENT, 'settings.changed', expect.objectContaining({ changed: ['logLevel'] })]]);
    await handler!(from(own), 'events.unsubscribe', { events: ['settings.changed'] });
    await handler!(from(own), 'settings.update', { patch: { logLevel: 'info' } });
    expect(sent).toHaveLength(1);
    dispose();
    expect(handler).toBeNull();
  });

  it('shows a notification per approval request whose Approve button runs the command once; log-outs and failed jobs are shown too', async () => {
    const shown: StandInNotification[] = [];
    class StandInNotification extends EventEmitter {
      static isSupported = () => true;
      closed = false;
      constructor(readonly options: { title: string; body: string; actions?: Array<{ text: string }> }) {
        super();
      }
      show() {
        shown.push(this);
      }
      close() {
        this.closed = true;
      }
    }
    const opened: string[] = [];
    const stop = desktopNotifications({ Notification: StandInNotification as never, client, open: (route) => void opened.push(route), onError: (m) => opened.push(`error: ${m}`) });
    await new Promise((r) => setTimeout(r, 20)); // subscriptions in flight
    const result = client.call('tools.invoke', { name: 'exec', args: { command: 'echo from-a-notification' } });
    await until(() => shown.length === 1);
    const [notification] = shown;
    expect(notification!.options).toMatchObject({ title: 'Perch wants to run a command', body: expect.stringContaining('echo from-a-notification') });
    expect(notification!.options.actions!.map((a) => a.text)).toEqual(['Approve', 'Deny']);
    notification!.emit('click');
    expect(opened).toEqual(['approvals']);
    notification!.emit('action', {}, 0); // Approve
    expect(await result).toEqual({ ok: true, output: 'from-a-notification', exitCode: 0 });
    await until(() => notification!.closed);
    notification!.emit('action', {}, 0); // pressed again: refused, nothing runs twice
    await until(() => opened.some((o) => o.startsWith('error: ')));
    expect((await client.call('approvals.list', { status: 'history', limit: 1 })).items[0]).toMatchObject({ status: 'approved', decidedBy: 'desktop' });

    // A high-risk command is reviewed in the window, not approved from the notification.
    const risky = client.call('tools.invoke', { name: 'exec', args: { command: 'echo hi\u202e; touch risky.txt' } });
    await until(() => shown.length === 2);
    const warning = shown[1]!;
    expect(warning.options).toMatchObject({ title: '⚠ Perch wants to run a high-risk command', body: expect.stringContaining('echo hi‹U+202E›; touch risky.txt') });
    expect(warning.options.actions!.map((a) => a.text)).toEqual(['Review', 'Deny']);
    const openedBefore = opened.length;
    warning.emit('action', {}, 0); // Review
    await until(() => opened.slice(openedBefore).includes('approvals'));
    expect((await client.call('approvals.list', { status: 'pending' })).items.map((a) => a.command)).toEqual(['echo hi\u202e; touch risky.txt']);
    warning.emit('action', {}, 1); // Deny
    expect(await risky).toMatchObject({ ok: false });
    shown.splice(1, 1);

    const view = { channel: 'whatsapp', state: 'logged-out' as const, paused: false, detail: 'WhatsApp logged this device out.', nextRetryAt: null };
    core.bus.publish('channel.status', view);
    core.bus.publish('channel.status', view); // said once
    core.bus.publish('schedule.fired', { jobId: 'j1', name: 'digest', runId: 1, outcome: 'failed', error: 'telegram is logged-out' });
    await until(() => shown.length === 3);
    expect(shown.slice(1).map((n) => n.options.title)).toEqual(['Perch: whatsapp is logged out', 'Perch: "digest" failed']);
    stop();
  });
});

describe('the dashboard window', () => {
  it('runs the page isolated, sandboxed and without Node; links leave only for the browser; navigation away is refused', () => {
    expect(windowOptions('/app/preload.cjs').webPreferences).toEqual({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: true,
    });
    const contents = Object.assign(new EventEmitter(), {
      openHandler: null as null | ((d: { url: string }) => { action: string }),
      setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
        this.openHandler = fn;
      },
      getURL: () => 'file:///app/out/renderer/index.html#/overview',
    });
    const external: string[] = [];
    hardenWindow({ webContents: contents } as unknown as BrowserWindow, { openExternal: async (url: string) => void external.push(url) });
    expect(contents.openHandler!({ url: 'https://docs.perch.app/help' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(external).toEqual(['https://docs.perch.app/help']);
    const navigate = (url: string) => {
      let prevented = false;
      contents.emit('will-navigate', { preventDefault: () => void (prevented = true) }, url);
      return prevented;
    };
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate('file:///app/out/renderer/index.html#/approvals')).toBe(false);
    let webview = false;
    contents.emit('will-attach-webview', { preventDefault: () => void (webview = true) });
    expect(webview).toBe(true);
  });
});
