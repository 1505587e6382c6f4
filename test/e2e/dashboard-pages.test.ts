import fs from 'node:fs';
import path from 'node:path';
import jsQR from 'jsqr';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signInWithToken } from '../helpers/browser';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// The dashboard's pages in real Chromium against the headless app (as `npm run serve`) with a
// temporary data dir and the tiny local model: a chat streamed in, approvals approved and denied
// by clicking, a channel paused and resumed, a schedule created in the form and seen firing. Every
// page is also opened through the IPC transport (a stand-in for the preload bridge), and the
// WhatsApp QR code drawn from a channel.qr event is decoded back. Screenshots of every page land
// in test-results/.

const shots = path.resolve(__dirname, '../../test-results');
let browser: Browser;
let app: ServeProcess;
let ws: RpcSocket;
let dataDir: string;
let base: string;

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  dataDir = tempDataDir();
  const model = path.join(dataDir, 'tiny.gguf');
  writeTinyGguf(model, { contextLength: 4096 });
  const port = await freePort();
  app = spawnServe({ PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: String(port), PERCH_GATEWAY_TOKEN: TEST_TOKEN, PERCH_MODEL: `llama:${model}` });
  const { gateway } = await waitForStart(app);
  base = `http://127.0.0.1:${port}/`;
  ws = await RpcSocket.open(gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
  // Short replies keep it quick; recall would only crowd the tiny window.
  await ws.request('settings.update', { patch: { agent: { maxReplyTokens: 48 }, memory: { recallLimit: 0 } } });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  ws?.close();
  await browser?.close();
  app?.child.kill('SIGTERM');
  await app?.exited;
});

/** A page signed in with the gateway token, with errors collected. */
async function signedIn(route = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await signInWithToken(page, TEST_TOKEN, base);
  await page.getByTestId('page-chat').waitFor(); // the home page
  if (route) await open(page, route);
  return { page, errors };
}

/** Opens a page from the navigation (as a person does), and checks the shell's title for it. */
async function open(page: Page, route: string): Promise<void> {
  await page.getByTestId(`nav-${route}`).click();
  await page.getByTestId(`page-${route}`).waitFor();
  const heading = await page.locator('h1').textContent();
  expect(await page.title()).toBe(`${heading} · Perch`);
}

describe('the dashboard against the headless app', () => {
  it('sends a chat and shows the reply streaming in, then stored', async () => {
    const { page, errors } = await signedIn('chat');
    // The streamed text may be on screen only briefly (the tiny model is fast): note when it is.
    await page.evaluate(() => {
      const seen = new MutationObserver(() => {
        const streaming = document.querySelector('[data-testid="streaming"]');
        if (streaming?.textContent) (window as unknown as { __streamed: string[] }).__streamed.push(streaming.textContent);
      });
      (window as unknown as { __streamed: string[] }).__streamed = [];
      seen.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId('chat-input').fill('hello from the dashboard');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('message-assistant').first().waitFor({ timeout: 30_000 });
    const streamed: string[] = await page.evaluate(() => (window as unknown as { __streamed: string[] }).__streamed);
    const final = (await page.getByTestId('message-assistant').first().locator('.chat-msg-body').textContent())!;
    expect(streamed.length).toBeGreaterThan(0); // shown while it was being written (as markdown: a prefix may render differently)…
    expect(final.length).toBeGreaterThan(0); // …then stored
    expect(await page.getByTestId('message-user').first().textContent()).toContain('hello from the dashboard');
    expect((await page.getByTestId('message-assistant').first().textContent())!.length).toBeGreaterThan(0);
    await page.getByTestId('conversation-list').getByText('hello from the dashboard').waitFor();
    await page.screenshot({ path: path.join(shots, 'dashboard-conversations.png'), fullPage: true });
    // Export downloads the archive as JSON; Delete asks, then removes the conversation.
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
    const archive = JSON.parse(fs.readFileSync((await file.path())!, 'utf8'));
    expect(archive.conversations[0].messages[0].text).toBe('hello from the dashboard');
    // Its own retention, kept by the server (the list reloads with it).
    await page.getByTestId('conversation-retention').selectOption('7');
    await page.waitForFunction(() => (document.querySelector('[data-testid="conversation-retention"]') as HTMLSelectElement | null)?.value === '7');
    await page.getByTestId('chat').screenshot({ path: path.join(shots, 'dashboard-conversation-retention.png') });
    await page.getByRole('button', { name: 'Delete “hello from the dashboard”' }).click();
    await page.getByRole('button', { name: 'Delete for good' }).click();
    await page.getByText('No conversations yet').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('approves a pending command by clicking Approve: it runs once and its output is shown; Deny refuses another', async () => {
    const { page, errors } = await signedIn('approvals');
    const first = ws.request('tools.invoke', { name: 'exec', args: { command: 'echo clicked-approve >> clicks.txt; cat clicks.txt' } }, 30_000);
    const second = ws.request('tools.invoke', { name: 'exec', args: { command: 'echo never > denied.txt' } }, 30_000);
    const pending = page.getByTestId('approvals-pending');
    await pending.getByText('echo clicked-approve').waitFor();
    await pending.getByText('echo never').waitFor();
    expect(await pending.textContent()).toContain('left');
    expect(await pending.locator('li', { hasText: 'echo never' }).textContent()).toContain('asked from the dashboard or a script');
    // The navigation counts what waits for a decision.
    await page.waitForFunction(() => document.querySelector('[data-testid="nav-pending"]')?.textContent === '2 waiting');
    await page.screenshot({ path: path.join(shots, 'dashboard-approvals-pending.png'), fullPage: true });

    const approveItem = pending.locator('li', { hasText: 'echo clicked-approve' });
    await approveItem.getByRole('button', { name: 'Approve', exact: true }).click();
    expect((await first).result).toEqual({ ok: true, output: 'clicked-approve', exitCode: 0 });
    const history = page.getByTestId('approvals-history');
    await history.getByText('[exit code 0]').waitFor();
    expect(await history.textContent()).toContain('clicked-approve');

    await pending.locator('li', { hasText: 'echo never' }).getByRole('button', { name: 'Deny' }).click();
    expect((await second).result).toMatchObject({ ok: false });
    await history.locator('li', { hasText: 'echo never' }).locator('.badge', { hasText: 'denied' }).waitFor();
    await page.getByText('Nothing waits for your decision').waitFor();
    await page.screenshot({ path: path.join(shots, 'dashboard-approvals.png'), fullPage: true });
    expect(fs.readFileSync(path.join(dataDir, 'workspace', 'clicks.txt'), 'utf8')).toBe('clicked-approve\n'); // once
    expect(fs.existsSync(path.join(dataDir, 'workspace', 'denied.txt'))).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('marks a high-risk command: a warning, its hidden characters drawn, a different Approve and no "Approve always"', async () => {
    const { page, errors } = await signedIn('approvals');
    const risky = ws.request('tools.invoke', { name: 'exec', args: { command: 'echo hi\u200b; cat /proc/$PPID/environ' } }, 30_000);
    const plain = ws.request('tools.invoke', { name: 'exec', args: { command: 'git status --short' } }, 30_000);
    const pending = page.getByTestId('approvals-pending');
    const high = pending.locator('li.approval', { hasText: 'environ' });
    const low = pending.locator('li.approval', { hasText: 'git status --short' });
    await high.waitFor();
    await low.waitFor();
    expect(await high.getAttribute('data-risk')).toBe('high');
    expect(await high.getByRole('note').textContent()).toContain('High risk: read every line before approving');
    expect(await high.locator('mark.hidden-char').textContent()).toBe('U+200B');
    expect(await high.getByLabel('Risks').textContent()).toContain("Reads secrets: reads /proc/$PPID/environ: another program's environment");
    expect(await high.getByRole('button', { name: 'Approve always' }).count()).toBe(0);
    expect(await high.textContent()).toContain('“Approve always” is not offered: it contains invisible or control characters.');
    expect(await low.getAttribute('data-risk')).toBe('none');
    expect(await low.getByRole('button', { name: 'Approve always' }).count()).toBe(1);
    const look = (button: ReturnType<Page['getByRole']>) => button.evaluate((b) => { const c = getComputedStyle(b); return `${c.backgroundColor} ${c.color} ${c.borderTopColor}`; });
    const riskyApprove = high.getByRole('button', { name: '⚠ Approve anyway' });
    expect(await look(riskyApprove)).not.toBe(await look(low.getByRole('button', { name: 'Approve', exact: true })));
    await page.screenshot({ path: path.join(shots, 'dashboard-approvals-high-risk.png'), fullPage: true });
    await high.getByRole('button', { name: 'Deny' }).click();
    await low.getByRole('button', { name: 'Deny' }).click();
    expect((await risky).result).toMatchObject({ ok: false });
    expect((await plain).result).toMatchObject({ ok: false });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows the overview in words for people: no ISO times or raw details in the text, status dots with names', async () => {
    const { page, errors } = await signedIn('overview');
    await page.getByTestId('status').waitFor();
    await page.getByTestId('health').waitFor();
    const text = await page.getByTestId('page-overview').innerText(); // closed Details are not in it
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    expect(text).not.toContain('schema {');
    expect(await page.locator('h1').allTextContents()).toEqual(['Overview']);
    expect(await page.getByTestId('health').getByRole('img', { name: 'Working' }).count()).toBeGreaterThan(3);
    expect(await page.getByTestId('health').textContent()).toContain('store'); // the raw domain, under Details
    expect(errors).toEqual([]);
    await page.close();
  });

  it('pauses and resumes a channel', async () => {
    const { page, errors } = await signedIn('channels');
    const telegram = page.getByTestId('channel-telegram');
    await telegram.getByRole('button', { name: 'Pause' }).click();
    await telegram.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'telegram').paused).toBe(true);
    await telegram.locator('.badge', { hasText: 'paused' }).waitFor();
    // The state's detail is a sentence on its own line, not squeezed beside the buttons.
    const detail = await telegram.getByTestId('channel-detail-telegram').boundingBox();
    expect(detail!.width).toBeGreaterThan((await telegram.boundingBox())!.width * 0.8);
    await page.screenshot({ path: path.join(shots, 'dashboard-channels.png'), fullPage: true });
    await telegram.getByRole('button', { name: 'Resume' }).click();
    await telegram.getByRole('button', { name: 'Pause' }).waitFor();
    expect((await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'telegram').paused).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('creates a schedule in the form (with a preview of its next runs) and sees it fire', async () => {
    const { page, errors } = await signedIn('schedules');
    await page.getByTestId('schedule-name').fill('stand up and stretch');
    await page.getByTestId('schedule-kind').selectOption('every');
    await page.getByTestId('schedule-every-value').fill('2');
    await page.getByTestId('schedule-every-unit').selectOption('seconds');
    await page.getByTestId('schedule-text').fill('Time to stretch!');
    await page.getByTestId('schedule-preview').locator('li').nth(2).waitFor(); // the next runs, previewed by the server
    await page.getByTestId('schedule-submit').click();
    const row = page.getByTestId('schedule-row-stand up and stretch');
    await row.waitFor();
    await row.getByTestId('schedule-last-run').locator('.badge', { hasText: 'ok' }).waitFor({ timeout: 15_000 }); // it fired
    await page.screenshot({ path: path.join(shots, 'dashboard-schedules.png'), fullPage: true });
    const [job] = (await ws.request('schedules.list')).result.items.filter((j: { name: string }) => j.name === 'stand up and stretch');
    expect(job).toMatchObject({ schedule: { kind: 'every', everyMs: 2_000 }, payload: { kind: 'message', text: 'Time to stretch!' }, target: { channel: 'dashboard' }, lastStatus: 'ok' });
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Enable' }).waitFor();
    // A bad cron expression is explained where it is typed.
    await page.getByTestId('schedule-kind').selectOption('cron');
    await page.getByTestId('schedule-cron').fill('61 * * * *');
    await page.getByText('Invalid value for minute: 61').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows every page without errors, and takes their screenshots', async () => {
    const { page, errors } = await signedIn();
    for (const route of ['overview', 'chat', 'approvals', 'schedules', 'channels', 'memory', 'settings', 'usage']) {
      await open(page, route);
      await page.waitForTimeout(300); // the page's first data
      await page.screenshot({ path: path.join(shots, `dashboard-page-${route}.png`), fullPage: true });
    }
    // Settings: the retention clean-up run from its button.
    await open(page, 'settings');
    await page.getByRole('button', { name: 'Clean up now' }).click();
    await page.getByTestId('retention-status').getByText(/0 messages, 0 conversations deleted/).waitFor();
    await page.getByTestId('settings-privacy').screenshot({ path: path.join(shots, 'dashboard-settings-privacy.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});

/**
 * A stand-in for Electron's preload bridge (`window.perch` with only `call` and `on`): the renderer
 * then uses its IPC transport. Like the real bridge it reaches the same router, here over an
 * authenticated WebSocket.
 */
const STAND_IN_BRIDGE = (token: string) => `
  (() => {
    const socket = new WebSocket('ws://' + location.host + '/rpc');
    const ready = new Promise((resolve) => socket.addEventListener('open', resolve));
    const waiting = new Map();
    const listeners = new Map();
    let next = 1;
    const send = async (method, params) => {
      await ready;
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      });
    };
    socket.addEventListener('message', (m) => {
      const frame = JSON.parse(m.data);
      if (frame.id !== undefined && waiting.has(frame.id)) {
        const { resolve, reject } = waiting.get(frame.id);
        waiting.delete(frame.id);
        frame.error ? reject(Object.assign(new Error(frame.error.message), frame.error)) : resolve(frame.result);
      } else if (frame.method) {
        for (const cb of listeners.get(frame.method) ?? []) cb(frame.params);
      }
    });
    const authed = send('auth.token', { token: ${JSON.stringify(token)} });
    window.__bridgeCalls = [];
    window.perch = {
      call: async (method, params) => { await authed; window.__bridgeCalls.push(method); return send(method, params); },
      on: (event, cb) => {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event).add(cb);
        return () => listeners.get(event).delete(cb);
      },
    };
  })();
`;

describe('the dashboard through the IPC transport (a stand-in bridge)', () => {
  it('opens every page through the bridge, with no sign-in, on the same router', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.addInitScript(STAND_IN_BRIDGE(TEST_TOKEN));
    await page.goto(base);
    await page.getByTestId('page-chat').waitFor(); // no login form: the bridge is already trusted
    expect(await page.getByTestId('connection-state').textContent()).toBe('Connected');
    for (const route of ['overview', 'chat', 'approvals', 'schedules', 'channels', 'memory', 'settings', 'usage']) await open(page, route);
    const calls: string[] = await page.evaluate(() => (window as unknown as { __bridgeCalls: string[] }).__bridgeCalls);
    expect(calls).toEqual(expect.arrayContaining(['system.status', 'conversations.list', 'approvals.list', 'schedules.list', 'channels.list', 'settings.get']));

    expect(errors).toEqual([]);
    await page.close();
  });

  it('renders the QR code from channel.qr (decoded back to the same string) and switches to connected when scanned', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // A bridge that is all stand-in: WhatsApp logging in, as the core reports it.
    await page.addInitScript(`
      (() => {
        const listeners = new Map();
        const view = { channel: 'whatsapp', state: 'connecting', paused: false, detail: 'Scan the QR code', nextRetryAt: null };
        const settings = { telegram: { allowFrom: [], dmPolicy: 'allowlist', groupPolicy: 'off' }, whatsapp: { allowFrom: [], dmPolicy: 'allowlist', groupPolicy: 'off' } };
        const answers = {
          'channels.list': () => ({ items: [view] }),
          'channels.pairings.list': () => ({ items: [] }),
          'tray.snapshot': () => ({ channels: [view], pendingApprovals: 0, model: 'none', state: 'idle' }),
          'models.status': () => ({ configured: 'llama:/models/tiny.gguf', state: 'ready', detail: null }), // past the first-run setup
          'schedules.list': () => ({ items: [] }),
          'events.subscribe': () => ({ subscribed: [] }),
          'events.unsubscribe': () => ({ subscribed: [] }),
        };
        window.__view = view;
        window.perch = {
          call: async (method) => {
            const answer = answers[method];
            if (!answer) throw Object.assign(new Error('not in this stand-in: ' + method), { code: -32601 });
            return answer();
          },
          on: (event, cb) => {
            if (!listeners.has(event)) listeners.set(event, new Set());
            listeners.get(event).add(cb);
            return () => listeners.get(event).delete(cb);
          },
        };
        window.__emit = (event, payload) => { for (const cb of listeners.get(event) ?? []) cb(payload); };
      })();
    `);
    await page.goto(`${base}#/channels`);
    const card = page.getByTestId('channel-whatsapp');
    await card.getByText('Log in with a QR code').waitFor();
    const decode = async (): Promise<string | null> => {
      const pixels = await page.getByTestId('whatsapp-qr').evaluate((canvas: HTMLCanvasElement) => {
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        return { width: data.width, height: data.height, data: Array.from(data.data) };
      });
      return jsQR(Uint8ClampedArray.from(pixels.data), pixels.width, pixels.height)?.data ?? null;
    };
    const emit = (event: string, payload: unknown) => page.evaluate(([e, p]) => (window as unknown as { __emit(e: string, p: unknown): void }).__emit(e as string, p), [event, payload] as const);

    const first = '2@AbCdEfGhIjKlMnOp,QrStUvWxYz012345,6789+/AbCdEf=,GhIjKlMnOpQr=';
    await emit('channel.qr', { channel: 'whatsapp', qr: first });
    await page.getByTestId('whatsapp-qr').waitFor();
    expect(await decode()).toBe(first);
    await page.screenshot({ path: path.join(shots, 'dashboard-whatsapp-qr.png'), fullPage: true });

    const second = '2@ZyXwVuTsRqPoNmLk,JiHgFeDcBa987654,3210-_ZyXwVu=,TsRqPoNmLkJi=';
    await emit('channel.qr', { channel: 'whatsapp', qr: second });
    await page.waitForFunction((value) => document.querySelector('[data-testid="whatsapp-qr"]')?.getAttribute('data-qr') === value, second);
    expect(await decode()).toBe(second); // a fresh code replaces the last

    await emit('channel.status', { channel: 'whatsapp', state: 'connected', paused: false, detail: '+4915100000000', nextRetryAt: null });
    await page.evaluate(() => Object.assign((window as unknown as { __view: object }).__view, { state: 'connected', detail: '+4915100000000' }));
    await emit('channel.status', { channel: 'whatsapp', state: 'connected', paused: false, detail: '+4915100000000', nextRetryAt: null });
    await card.getByTestId('whatsapp-connected').waitFor();
    expect(await card.getByTestId('whatsapp-qr').count()).toBe(0);
    await page.close();
  });
});
