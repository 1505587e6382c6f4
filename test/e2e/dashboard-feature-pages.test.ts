import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signInWithToken } from '../helpers/browser';
import { requestExec } from '../helpers/approvals';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// Settings, Schedules, Memory and Usage in real Chromium against the headless app: a bad chat
// model is explained once, beside its field, in words; "Use for chat" after that bad entry
// makes the chosen file the chat model and leaves no draft that Save would send; an emptied
// chat model field is refused instead of clearing the model. Then each page in light and dark,
// 1280 and 480 px wide: one h1 (the shell's), no sideways scroll, no serious or critical axe
// violations, no internal strings; screenshots in test-results/.

const shots = path.resolve(__dirname, '../../test-results');
let browser: Browser;
let app: ServeProcess;
let ws: RpcSocket;
let base: string;
let tiny: string;
let other: string;

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  const dataDir = tempDataDir();
  const models = path.join(dataDir, 'models');
  fs.mkdirSync(models, { recursive: true });
  tiny = path.join(models, 'tiny.gguf');
  other = path.join(models, 'other.gguf');
  writeTinyGguf(tiny, { contextLength: 4096 });
  writeTinyGguf(other, { contextLength: 2048 });
  const port = await freePort();
  // No PERCH_MODEL: the chat model is a saved setting the page may change.
  app = spawnServe({ PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: String(port), PERCH_GATEWAY_TOKEN: TEST_TOKEN });
  const { gateway } = await waitForStart(app);
  base = `http://127.0.0.1:${port}/`;
  ws = await RpcSocket.open(gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
  await ws.request('settings.update', { patch: { models: { chat: `llama:${tiny}` }, agent: { maxReplyTokens: 24 }, memory: { recallLimit: 0 } } });
  // Something on every page: a job with a run, notes, a reply counted in usage.
  await ws.request('schedules.create', { name: 'water the plants', schedule: { kind: 'cron', expr: '0 9 * * 1-5' }, payload: { kind: 'message', text: 'Water the plants' }, target: { channel: 'dashboard' } });
  await ws.request('memory.write', { text: 'The dentist appointment is on Tuesday at 10.' });
  await ws.request('memory.write', { text: 'The passport expires in March 2027.' });
  await ws.request('chat.send', { text: 'Hello there' }, 30_000);
  // An approval asked and denied: records in the audit log.
  await ws.request('events.subscribe', { events: ['approval.requested'] });
  const { approval, reply } = await requestExec(ws, { command: 'echo audited' });
  await ws.request('approvals.resolve', { id: approval.id, decision: 'deny' });
  await reply;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  ws?.close();
  await browser?.close();
  app?.child.kill('SIGTERM');
  await app?.exited;
});

async function signedIn(width = 1280, scheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; errors: string[] }> {
  // A page of its own context: axe-core's runner opens a second page beside it.
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await signInWithToken(page, TEST_TOKEN, base);
  return { page, errors };
}

async function go(page: Page, route: string): Promise<void> {
  await page.goto(`${base}#/${route}`);
  await page.getByTestId(`page-${route}`).waitFor();
}

const chatModel = async () => (await ws.request('settings.get')).result.settings.models.chat as string | null;

describe('Settings, Schedules, Memory and Usage', () => {
  it('explains a bad chat model once beside its field; Use for chat then wins over the bad draft; an empty field never clears the model', async () => {
    const { page, errors } = await signedIn();
    await go(page, 'settings');
    const form = page.getByTestId('models-form');
    const field = form.getByTestId('setting-models.chat');
    await field.fill('nonsense');
    await form.getByRole('button', { name: 'Save models' }).click();
    const problem = form.getByTestId('problem-models.chat');
    await problem.waitFor();
    expect(await problem.locator('p').first().textContent()).toMatch(/^Write it as llama:\/path\/model\.gguf/);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    const cardText = (await page.getByTestId('settings-models').textContent()) ?? '';
    expect(cardText).not.toContain('Invalid params');
    expect(cardText.match(/Write it as llama:/g)).toHaveLength(1); // once, not again below the form
    expect(await field.inputValue()).toBe('nonsense'); // the draft is kept on the error
    expect(await chatModel()).toBe(`llama:${tiny}`);
    await page.getByTestId('settings-models').screenshot({ path: path.join(shots, 'settings-bad-model.png') });

    // A choice made with a button wins: the field shows it, nothing is left unsaved.
    const row = page.getByTestId('local-models').locator('li', { hasText: 'other.gguf' });
    await row.getByRole('button', { name: 'Use for chat' }).click();
    await page.waitForFunction((spec) => (document.querySelector('[data-testid="models-form"] [data-testid="setting-models.chat"]') as HTMLInputElement | null)?.value === spec, `llama:${other}`);
    expect(await chatModel()).toBe(`llama:${other}`);
    expect(await form.getByRole('button', { name: 'Save models' }).isDisabled()).toBe(true);
    expect(await form.getByRole('status').textContent()).not.toMatch(/unsaved/);
    expect(await problem.count()).toBe(0);

    // Emptying the field is refused beside it; the model stays.
    await field.fill('');
    await form.getByRole('button', { name: 'Save models' }).click();
    await problem.getByText(/Enter a chat model, or choose one below/).waitFor();
    expect(await chatModel()).toBe(`llama:${other}`);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('shows each page in light and dark, wide and narrow: one h1, no sideways scroll, no serious axe violations', async () => {
    await ws.request('settings.update', { patch: { models: { chat: `llama:${tiny}` } } });
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      for (const width of [1280, 480]) {
        const { page, errors } = await signedIn(width, scheme);
        for (const route of ['settings', 'schedules', 'memory', 'usage']) {
          await go(page, route);
          if (route === 'memory') {
            await page.getByTestId('memory-search').fill('dentist');
            await page.getByTestId('memory-result').first().waitFor();
          }
          if (route === 'schedules') await page.getByTestId('schedule-row-water the plants').waitFor();
          if (route === 'usage') await page.getByTestId('audit-table').locator('tbody tr').nth(1).waitFor();
          await page.waitForTimeout(400); // the page's first data
          await page.screenshot({ path: path.join(shots, `pages-${route}-${scheme}-${width}.png`), fullPage: true });
          expect(await page.locator('h1').count()).toBe(1);
          const { sideways, widest } = await page.evaluate(() => {
            const limit = document.documentElement.clientWidth;
            // The deepest elements reaching past the right edge: what to fix when it scrolls.
            const past = [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > limit + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > limit + 1));
            const name = (e: Element) => `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? `.${e.className.split(' ').join('.')}` : ''}`;
            return { sideways: document.documentElement.scrollWidth - limit, widest: past.slice(0, 5).map((e) => `${name(e.parentElement!)} > ${name(e)}`) };
          });
          expect(sideways, `${route} ${scheme} ${width}px scrolls sideways by ${sideways}px: ${widest.join(', ')}`).toBeLessThanOrEqual(0);
          const text = await page.locator('main').innerText(); // what is shown (a closed Details is not)
          expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|file\(s\)|chunk\(s\)|score \d|Invalid params/);
          const axe = await new AxeBuilder({ page: page as never }).analyze();
          for (const v of axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
            found.push(`${route} ${scheme} ${width}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(' | ')}`);
          }
        }
        expect(errors).toEqual([]);
        await page.context().close();
      }
    }
    if (found.length) console.log(found.join('\n'));
    expect(found).toEqual([]);
  }, 180_000);
});
