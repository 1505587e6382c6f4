import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signInWithToken } from '../helpers/browser';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// Every page of the dashboard, in light and dark, checked as a person with a screen reader or a
// small screen meets it: axe-core (WCAG 2.0/2.1 A and AA) finds no serious or critical violation;
// nothing scrolls sideways at 480 and 360 px; each page has one <h1> and its own tab title.
// The pages are those of the navigation (the registry), plus the sign-in page and the setup
// screen (a second app without a model). Screenshots: test-results/page-<route>-<scheme>-<size>.png.

const shots = path.resolve(__dirname, '../../test-results');
const SCHEMES = ['light', 'dark'] as const;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let browser: Browser;
let app: ServeProcess;
let bare: ServeProcess;
let ws: RpcSocket;
let base: string;
let bareBase: string;
let pendingExec: Promise<unknown>;

interface Finding {
  view: string;
  problem: string;
}
const findings: Finding[] = [];
const counts: Record<string, number> = {};

async function startApp(withModel: boolean): Promise<{ proc: ServeProcess; base: string; gateway: string }> {
  const dataDir = tempDataDir();
  const env: Record<string, string> = { PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: String(await freePort()), PERCH_GATEWAY_TOKEN: TEST_TOKEN };
  if (withModel) {
    const model = path.join(dataDir, 'tiny.gguf');
    writeTinyGguf(model, { contextLength: 4096 });
    env.PERCH_MODEL = `llama:${model}`;
  }
  const proc = spawnServe(env);
  const { gateway } = await waitForStart(proc, 30_000);
  return { proc, base: `http://127.0.0.1:${env.PERCH_GATEWAY_PORT}/`, gateway };
}

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  const withModel = await startApp(true);
  app = withModel.proc;
  base = withModel.base;
  ws = await RpcSocket.open(withModel.gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
  await ws.request('settings.update', { patch: { agent: { maxReplyTokens: 24 }, memory: { recallLimit: 0 } } });
  // Some data on every page: a conversation, a command waiting for approval, a schedule.
  await ws.request('chat.send', { text: 'What is on my list for today?' }, 60_000);
  pendingExec = ws.request('tools.invoke', { name: 'exec', args: { command: 'ls -la ~/Documents' } }, 120_000).catch(() => undefined);
  await ws.request('schedules.create', { name: 'Morning digest', schedule: { kind: 'cron', expr: '0 9 * * 1-5' }, payload: { kind: 'message', text: 'Good morning!' }, target: { channel: 'dashboard' } });
  // An MCP server on the Tools page (the real reference server over stdio).
  await ws.request('mcp.servers.add', { name: 'everything', transport: 'stdio', command: process.execPath, args: [path.resolve(__dirname, '../../node_modules/@modelcontextprotocol/server-everything/dist/index.js')] });
  const without = await startApp(false);
  bare = without.proc;
  bareBase = without.base;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  // Let the waiting command go (denied), so the app stops cleanly.
  const pending = (await ws?.request('approvals.list', { status: 'pending' }))?.result?.items ?? [];
  for (const a of pending as Array<{ id: string }>) await ws.request('approvals.resolve', { id: a.id, decision: 'deny' });
  await pendingExec;
  ws?.close();
  await browser?.close();
  for (const proc of [app, bare]) proc?.child.kill('SIGTERM');
  await Promise.all([app?.exited, bare?.exited]);
});

async function signIn(page: Page, at: string): Promise<void> {
  await signInWithToken(page, TEST_TOKEN, at);
}

/** axe, the headings, the title and the width checks for what the page shows now; screenshots of it. */
async function check(page: Page, view: string, scheme: string, expectTitle: (h1: string) => string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForTimeout(400); // the page's first data
  const h1s = await page.locator('h1').allTextContents();
  if (h1s.length !== 1) findings.push({ view, problem: `${h1s.length} h1 elements (${JSON.stringify(h1s)}), expected exactly one` });
  const title = await page.title();
  if (h1s.length === 1 && title !== expectTitle(h1s[0]!)) findings.push({ view, problem: `tab title "${title}", expected "${expectTitle(h1s[0]!)}"` });

  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  counts[view] = bad.reduce((n, v) => n + v.nodes.length, 0);
  for (const v of bad) {
    for (const node of v.nodes.slice(0, 6)) {
      findings.push({ view, problem: `axe ${v.impact} ${v.id}: ${v.help} — ${node.target.join(' ')}${node.failureSummary ? ` (${node.failureSummary.replace(/\s+/g, ' ').trim()})` : ''}` });
    }
    if (v.nodes.length > 6) findings.push({ view, problem: `axe ${v.id}: and ${v.nodes.length - 6} more` });
  }
  await page.screenshot({ path: path.join(shots, `page-${view.split(' ')[0]}-${scheme}-wide.png`), fullPage: true });

  for (const width of [480, 360]) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(150);
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, clientWidth: document.scrollingElement!.clientWidth }));
    if (scrollWidth > clientWidth) {
      const wide = await page.evaluate((limit) => {
        const out: string[] = [];
        for (const el of Array.from(document.querySelectorAll('body *'))) {
          const r = el.getBoundingClientRect();
          if (r.right > limit + 1 && out.length < 4) out.push(`${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''} (right edge ${Math.round(r.right)} px)`);
        }
        return out;
      }, clientWidth);
      findings.push({ view, problem: `scrolls sideways at ${width} px (${scrollWidth} > ${clientWidth}): ${wide.join(', ')}` });
    }
    if (width === 480) await page.screenshot({ path: path.join(shots, `page-${view.split(' ')[0]}-${scheme}-narrow.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('accessibility and small screens, every page, light and dark', () => {
  for (const scheme of SCHEMES) {
    it(`checks every page in ${scheme}`, async () => {
      const context: BrowserContext = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(base);
      await page.getByTestId('login').waitFor();
      await check(page, `sign-in ${scheme}`, scheme, () => 'Sign in · Perch');

      await signIn(page, base);
      const routes = await page.locator('nav[aria-label="Pages"] a').evaluateAll((links) => links.map((a) => a.getAttribute('href')!.replace('#/', '')));
      expect(routes[0]).toBe('chat');
      expect(routes.length).toBeGreaterThanOrEqual(8);
      for (const route of routes) {
        await page.evaluate((r) => (window.location.hash = `#/${r}`), route);
        await page.getByTestId(`page-${route}`).waitFor();
        if (route === 'tools') await page.locator('[data-testid="mcp-state"][data-state="ready"]').waitFor({ timeout: 30_000 });
        await check(page, `${route} ${scheme}`, scheme, (h1) => `${h1} · Perch`);
      }
      // The folded navigation on a narrow screen, opened.
      await page.setViewportSize({ width: 360, height: 740 });
      await page.getByTestId('menu-button').click();
      expect(await page.getByTestId('menu-button').getAttribute('aria-expanded')).toBe('true');
      await page.getByTestId('nav-approvals').waitFor();
      await page.screenshot({ path: path.join(shots, `page-menu-${scheme}-narrow.png`) });
      await page.getByTestId('nav-approvals').click();
      expect(await page.getByTestId('menu-button').getAttribute('aria-expanded')).toBe('false');
      await context.close();

      // The setup screen: an app with no model.
      const setup = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 900 } });
      const setupPage = await setup.newPage();
      await signIn(setupPage, bareBase);
      await setupPage.getByTestId('page-chat').waitFor();
      await setupPage.waitForTimeout(600);
      await check(setupPage, `setup ${scheme}`, scheme, (h1) => `${h1} · Perch`);
      await setup.close();
    }, 240_000);
  }

  it('finds no serious or critical violation, no sideways scroll, one h1 and its own title on every page', () => {
    const table = Object.entries(counts)
      .map(([view, n]) => `  ${view.padEnd(22)} ${n}`)
      .join('\n');
    process.stdout.write(`axe serious+critical nodes per page:\n${table}\n`);
    const report = findings.map((f) => `- [${f.view}] ${f.problem}`).join('\n');
    expect(findings.length, `accessibility problems:\n${report}`).toBe(0);
  });
});
