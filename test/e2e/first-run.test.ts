import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { startCatalogServer, type CatalogServer } from '../helpers/catalog-server';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { startOllamaServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';

// First run in real Chromium against the headless app with no model: the setup screen appears
// on every page but Settings; a bad .gguf path is answered beside its field; an Ollama server is
// found at the address typed in and picked; the OpenAI form's Test connection says what a wrong
// key means; a recommended model (a generated GGUF from a local catalog server, throttled) shows
// its progress, is paused, survives a reload and resumes with a ranged request, and then the chat
// answers with it; offline, the download names the model and offers Retry, which completes once
// the server is back. Screenshots, light and dark, 1280 and 480 wide, in test-results/setup-*.png.

const shots = path.resolve(__dirname, '../../test-results');
const MiB = 1024 * 1024;
const OPENAI_KEY = 'sk-test-right-key';

let browser: Browser;
let app: ServeProcess;
let ws: RpcSocket;
let catalog: CatalogServer;
let ollama: ModelServer;
let openai: { url: string; close(): Promise<void> };
let base: string;

/** An OpenAI-compatible endpoint that checks its key the way api.openai.com does (401 with an error body). */
async function startKeyedOpenAI(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${OPENAI_KEY}`) {
      return json(401, { error: { message: 'Incorrect API key provided: sk-wr***.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    }
    if (req.url === '/v1/models') return json(200, { object: 'list', data: [{ id: 'tiny-gpt', object: 'model', created: 1, owned_by: 'test' }] });
    return json(404, { error: { message: 'not found' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`, close: () => new Promise((r) => server.close(() => r())) };
}

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  // Big enough that the downloader has saved progress (every 5 MiB) when it is paused.
  catalog = await startCatalogServer({
    models: [
      { id: 'tiny-chat', name: 'Tiny Chat 40M', description: 'A small generated model for this test.', padToBytes: 40 * MiB },
      { id: 'tiny-spare', name: 'Spare Tiny Model', description: 'A second one, for the offline case.', seed: 7 },
      { id: 'tiny-cut', name: 'Cut Tiny Model', description: 'A third one, whose connection is cut.', padToBytes: 12 * MiB, seed: 9 },
    ],
    throttleBytesPerSecond: 4 * MiB,
  });
  ollama = await startOllamaServer({ 'tiny:1b': 4096, 'other:7b': 8192 });
  openai = await startKeyedOpenAI();
  const port = await freePort();
  app = spawnServe({ PERCH_DATA_DIR: tempDataDir(), PERCH_GATEWAY_PORT: String(port), PERCH_GATEWAY_TOKEN: TEST_TOKEN, PERCH_MODEL_CATALOG: catalog.catalogUrl });
  const { gateway } = await waitForStart(app, 60_000);
  base = `http://127.0.0.1:${port}/`;
  ws = await RpcSocket.open(gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
  await ws.request('settings.update', { patch: { agent: { maxReplyTokens: 24 }, memory: { recallLimit: 0 } } });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  ws?.close();
  await browser?.close();
  app?.child.kill('SIGTERM');
  await app?.exited;
  await Promise.all([catalog?.close(), ollama?.close(), openai?.close()]);
});

let page: Page;
const errors: string[] = [];

async function signIn(): Promise<void> {
  // A context of its own: axe needs one to run in the page.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base);
  await typeToken();
}

async function typeToken(): Promise<void> {
  await page.getByLabel('Gateway token').fill(TEST_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A reload signed in with the token (which the dashboard does not keep) asks for it again. */
async function reload(): Promise<void> {
  await page.reload();
  await typeToken();
}

/** The page, light and dark, 1280 and 480 wide (and 360, unsaved): none may scroll sideways; axe finds nothing serious. */
async function screenshots(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [1280, 480, 360]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(50);
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(sideways, `${name} ${scheme} ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
      if (width !== 360) await page.screenshot({ path: path.join(shots, `setup-${name}-${scheme}-${width}.png`), fullPage: true });
      if (width === 1280) {
        const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        expect(serious, `${name} ${scheme}`).toEqual([]);
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
}

const setup = () => page.getByTestId('setup');
const model = (id: string) => page.getByTestId(`model-${id}`);
const sizeText = () => `${(catalog.bytes('tiny-chat').length / 1e6).toFixed(1)} MB`;
const barValue = async (id: string) => Number(await model(id).getByRole('progressbar').getAttribute('aria-valuenow'));

describe('first run: no model yet', () => {
  it('shows the setup screen instead of the chat, with the recommended models, their size and fit', async () => {
    await signIn();
    await setup().waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('chat-input').count()).toBe(0);
    await page.getByRole('heading', { level: 2, name: 'Set up Perch' }).waitFor();
    expect(await setup().locator('h1').count()).toBe(0);
    const row = model('tiny-chat');
    await row.getByText('Tiny Chat 40M').waitFor();
    expect(await row.textContent()).toContain(sizeText()); // in decimal units, as people read sizes
    // node-llama-cpp's estimate for a tiny model on a machine with gigabytes to spare.
    await row.getByTestId('fit').getByText('Fits this machine').waitFor();
    await row.getByRole('button', { name: /^Download/ }).waitFor();
    // Settings stays reachable; every other page shows the setup.
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('page-settings').waitFor();
    expect(await setup().count()).toBe(0);
    await page.getByTestId('nav-approvals').click();
    await setup().waitFor();
    await page.getByTestId('nav-chat').click();
    await setup().waitFor();
    await screenshots('first-run');
  }, 60_000);

  it('answers a bad .gguf path beside its field, keeping the text', async () => {
    const local = page.getByTestId('setup-local');
    const field = local.getByLabel('Path to a .gguf file');
    await field.fill('/nowhere/missing-model.gguf');
    await local.getByRole('button', { name: 'Use this file' }).click();
    const alert = local.locator('.setup-field').getByRole('alert');
    await alert.waitFor();
    const sentence = (await alert.textContent())!;
    expect(sentence).toMatch(/[A-Z].*\.$/m);
    expect(sentence).not.toMatch(/ENOENT|Error:|\bat \//);
    expect(await field.inputValue()).toBe('/nowhere/missing-model.gguf');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await model('tiny-chat').count()).toBe(1); // still on the setup screen
    await local.screenshot({ path: path.join(shots, 'setup-bad-path.png') });
  }, 30_000);

  it("says what a wrong OpenAI key means, and that the right one works", async () => {
    const form = page.getByTestId('setup-openai');
    await form.getByLabel('Base URL').fill(openai.url);
    await form.getByLabel('Model name').fill('tiny-gpt');
    await form.getByLabel('API key').fill('sk-wrong-key');
    expect(await form.getByLabel('API key').getAttribute('type')).toBe('password');
    await form.getByRole('button', { name: 'Test connection' }).click();
    // The sentence stands beside the key field, and the key is not repeated in it.
    const alert = form.getByRole('alert');
    await alert.waitFor();
    const wrong = (await alert.textContent())!;
    expect(wrong).toMatch(/refused the API key/);
    expect(wrong).not.toContain('sk-wrong-key');
    expect(await form.getByLabel('API key').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('API key').inputValue()).toBe('sk-wrong-key');
    await form.screenshot({ path: path.join(shots, 'setup-openai-wrong-key.png') });
    await form.getByLabel('API key').fill(OPENAI_KEY);
    await form.getByRole('button', { name: 'Test connection' }).click();
    const result = form.getByTestId('openai-result');
    await result.getByRole('status').getByText('offers tiny-gpt').waitFor();
    expect(await form.getByRole('alert').count()).toBe(0);
    // Not chosen: the setup stays until "Use this".
    expect(await setup().count()).toBe(1);
  }, 30_000);

  it('finds Ollama at the address typed in, lists its models and picks one; the chat then answers through it', async () => {
    const section = page.getByTestId('setup-ollama');
    await section.getByText('Not found at http://127.0.0.1:11434 — install Ollama or enter its address').waitFor();
    await section.getByLabel('Ollama address').fill(ollama.url);
    await section.getByRole('button', { name: 'Look for models' }).click();
    await section.getByRole('radio', { name: 'tiny:1b' }).waitFor();
    await section.getByRole('radio', { name: 'other:7b' }).waitFor();
    await section.screenshot({ path: path.join(shots, 'setup-ollama.png') });
    await section.getByRole('radio', { name: 'tiny:1b' }).check();
    await section.getByRole('button', { name: 'Use this model' }).click();
    await page.getByTestId('chat-input').waitFor({ timeout: 20_000 });
    expect(await setup().count()).toBe(0);
    const view = (await ws.request('settings.get', {})).result as { settings: { models: { chat: string } } };
    expect(view.settings.models.chat).toBe(`ollama:tiny:1b@${ollama.url}`);
    await page.getByTestId('chat-input').fill('hello through ollama');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByTestId('message-assistant').getByText('You said: hello through ollama').waitFor({ timeout: 20_000 });
    // Back to no model, for the downloads below.
    await ws.request('settings.update', { patch: { models: { chat: null } } });
    await setup().waitFor({ timeout: 10_000 });
  }, 60_000);

  it('downloads a recommended model with progress, pauses it, keeps it over a reload, resumes with a range; then the chat answers', async () => {
    const row = model('tiny-chat');
    await row.getByRole('button', { name: /^Download/ }).click();
    const bar = row.getByRole('progressbar');
    await bar.waitFor();
    // The downloader keeps only whole 5 MiB chunks and fetches three at once: past 55 % each of
    // its three connections has finished one, so the pause keeps something to resume from.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="model-tiny-chat"] [role="progressbar"]')?.getAttribute('aria-valuenow')) >= 55, undefined, { timeout: 30_000 });
    const numbers = (await row.getByTestId('download-numbers').textContent())!;
    expect(numbers).toMatch(/\d+ %/);
    expect(numbers).toContain(`MB of ${sizeText()}`);
    expect(numbers).toMatch(/MB\/s/);
    expect(numbers).toMatch(/left/);
    await page.screenshot({ path: path.join(shots, 'setup-downloading-light-1280.png'), fullPage: true });
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.getByRole('button', { name: 'Resume' }).waitFor();
    const pausedAt = await barValue('tiny-chat');
    expect(pausedAt).toBeGreaterThan(0);
    expect(await row.getByTestId('download-numbers').textContent()).toContain('paused');

    // A reload finds it where it was (models.catalog says partial).
    await reload();
    await row.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 20_000 });
    expect(await barValue('tiny-chat')).toBe(pausedAt);
    await screenshots('paused');

    const before = catalog.stats.requests.length;
    await row.getByRole('button', { name: 'Resume' }).click();
    // Done, chosen (no model was set), loaded: the setup gives way to the chat.
    await page.getByTestId('chat-input').waitFor({ timeout: 60_000 });
    // The downloader fetches a few ranges at once: after the resume it asked for ranges and was
    // sent less than the whole file (what it had saved was kept).
    const total = catalog.bytes('tiny-chat').length;
    const resumed = catalog.fileRequests('tiny-chat', before).filter((r) => r.method === 'GET');
    const sentAfter = resumed.reduce((sum, r) => sum + r.sent, 0);
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.some((r) => r.range !== null && r.start > 0)).toBe(true);
    expect(sentAfter).toBeLessThan(total);
    console.log(`paused at ${pausedAt} %; after the resume ${resumed.length} ranged GETs (starts ${resumed.map((r) => r.start).join(', ')}) sent ${sentAfter} of ${total} bytes`);

    // A new conversation (the one with Ollama is still open), answered by the downloaded model.
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="message-assistant"]').length === 0);
    await page.getByTestId('chat-input').fill('hello tiny model');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const reply = page.getByTestId('message-assistant').first();
    await reply.waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Send', exact: true }).waitFor({ timeout: 60_000 }); // the reply is complete
    const answered = (await reply.textContent())!;
    expect(answered).not.toContain('You said');
    expect(answered).not.toContain('tiny:1b'); // not Ollama's: the local model answered
    await page.screenshot({ path: path.join(shots, 'setup-then-chat.png'), fullPage: true });
  }, 150_000);

  it('offline, names the model and offers Retry; Retry after going back online completes', async () => {
    await ws.request('settings.update', { patch: { models: { chat: null } } });
    await setup().waitFor({ timeout: 10_000 });
    await catalog.offline(true);
    const row = model('tiny-spare');
    await row.getByRole('button', { name: /^Download/ }).click();
    const alert = row.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toContain('Spare Tiny Model');
    await row.getByRole('button', { name: 'Retry' }).waitFor();
    await screenshots('offline');
    await catalog.offline(false);
    await row.getByRole('button', { name: 'Retry' }).click();
    await page.getByTestId('chat-input').waitFor({ timeout: 60_000 });
    const view = (await ws.request('settings.get', {})).result as { settings: { models: { chat: string } } };
    expect(view.settings.models.chat).toMatch(/tiny-spare\.gguf$/);
  }, 120_000);

  it('a download whose connection is cut goes on (by itself, or with Retry) and completes', async () => {
    await ws.request('settings.update', { patch: { models: { chat: null } } });
    await setup().waitFor({ timeout: 10_000 });
    const before = catalog.stats.requests.length;
    catalog.cutNext(2 * MiB);
    const row = model('tiny-cut');
    await row.getByRole('button', { name: /^Download/ }).click();
    // Either the downloader tries again itself, or the row says what happened and offers Retry.
    const outcome = await Promise.race([
      page.getByTestId('chat-input').waitFor({ timeout: 60_000 }).then(() => 'done' as const),
      row.getByRole('button', { name: 'Retry' }).waitFor({ timeout: 60_000 }).then(() => 'retry' as const),
    ]);
    if (outcome === 'retry') {
      expect(await row.getByRole('alert').textContent()).toContain('Cut Tiny Model');
      await row.getByRole('button', { name: 'Retry' }).click();
      await page.getByTestId('chat-input').waitFor({ timeout: 60_000 });
    }
    const requests = catalog.fileRequests('tiny-cut', before).filter((r) => r.method === 'GET');
    expect(requests.some((r) => r.cut)).toBe(true);
    const view = (await ws.request('settings.get', {})).result as { settings: { models: { chat: string } } };
    expect(view.settings.models.chat).toMatch(/tiny-cut\.gguf$/);
    console.log(`cut off after 2 MiB: ${outcome === 'retry' ? 'Retry offered and completed' : 'resumed by itself'}; ${requests.length} GETs, ${requests.reduce((n, r) => n + r.sent, 0)} bytes for a ${catalog.bytes('tiny-cut').length}-byte file`);
    expect(errors).toEqual([]);
  }, 150_000);
});
