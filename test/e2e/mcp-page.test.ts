import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signInWithToken } from '../helpers/browser';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// The Tools page in real Chromium against the built app, with the real reference MCP server
// (server-everything over stdio): added through the form it becomes Ready and lists its tools;
// per-tool rules set on the page are what mcp.tools.list reports; an imported server's env
// secret shows as a saved name and its value is nowhere on the page or in the list; a command
// that does not exist shows Failed with a sentence. Screenshots light/dark, 1280/480 px.

const shots = path.resolve(__dirname, '../../test-results');
const EVERYTHING = path.resolve(__dirname, '../../node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const SECRET = 'perch-e2e-secret-7f3a9c1d';

let browser: Browser;
let app: ServeProcess;
let ws: RpcSocket;
let base: string;

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  const dataDir = tempDataDir();
  const model = path.join(dataDir, 'tiny.gguf');
  writeTinyGguf(model, { contextLength: 2048 });
  const port = await freePort();
  app = spawnServe({ PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: String(port), PERCH_GATEWAY_TOKEN: TEST_TOKEN, PERCH_MODEL: `llama:${model}` });
  const { gateway } = await waitForStart(app, 30_000);
  base = `http://127.0.0.1:${port}/`;
  ws = await RpcSocket.open(gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  ws?.close();
  await browser?.close();
  app?.child.kill('SIGTERM');
  await app?.exited;
});

async function open(width = 1280, scheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await signInWithToken(page, TEST_TOKEN, base);
  await page.evaluate(() => (window.location.hash = '#/tools')); // the navigation is folded on narrow screens
  await page.getByTestId('page-tools').waitFor();
  return { page, errors };
}

const card = (page: Page, name: string) => page.getByTestId(`mcp-server-${name}`);
const stateOf = (page: Page, name: string, state: string) => card(page, name).locator(`[data-testid="mcp-state"][data-state="${state}"]`);

async function rpc(method: string, params?: unknown): Promise<any> {
  const answer = await ws.request(method, params, 15_000);
  if (answer.error) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

async function toolRule(server: string, name: string): Promise<{ rule: string | null; effective: string }> {
  const { items } = await rpc('mcp.tools.list', { server });
  const tool = (items as Array<{ name: string; rule: string | null; effective: string }>).find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name} on ${server}`);
  return tool;
}

async function addThroughForm(page: Page, name: string, command: string, args: string[]): Promise<void> {
  const form = page.getByTestId('mcp-add');
  await form.getByTestId('mcp-add-name').fill(name);
  await form.getByTestId('mcp-add-command').fill(command);
  await form.getByTestId('mcp-add-args').fill(args.join('\n'));
  await form.getByTestId('mcp-add-submit').click();
  await card(page, name).waitFor({ timeout: 15_000 });
}

describe('the Tools page with real MCP servers', () => {
  it('adds server-everything through the form: Ready with its tools; per-tool rules are saved', async () => {
    const { page, errors } = await open();
    await page.getByText('No servers yet').waitFor();
    await page.screenshot({ path: path.join(shots, 'mcp-empty.png'), fullPage: true });
    await addThroughForm(page, 'everything', process.execPath, [EVERYTHING]);
    await stateOf(page, 'everything', 'ready').waitFor({ timeout: 30_000 });
    const server = card(page, 'everything');
    expect(await server.getByTestId('mcp-state').innerText()).toMatch(/^Ready · \d+ tools$/);
    expect(await server.getByRole('img', { name: 'Ready' }).count()).toBe(1);
    await server.getByTestId('mcp-tools').locator('summary').first().click(); // the tools fold under "13 tools"
    const echo = server.getByTestId('mcp-tool-echo');
    await echo.waitFor({ timeout: 15_000 });
    expect(await echo.innerText()).toContain('read-only');
    const { items: servers } = await rpc('mcp.servers.list');
    const id = (servers as Array<{ id: string; name: string }>).find((s) => s.name === 'everything')!.id;

    // echo says it is read-only: Always allow is offered at once.
    await echo.getByTestId('mcp-rule-echo').selectOption('allow');
    await expect.poll(() => toolRule(id, 'echo')).toMatchObject({ rule: 'allow', effective: 'allow' });
    // Block wins, and is what the list reports.
    await echo.getByTestId('mcp-rule-echo').selectOption('block');
    await expect.poll(() => toolRule(id, 'echo')).toMatchObject({ rule: 'block', effective: 'block' });

    // A tool that is not read-only: Always allow needs a confirmation in words; Cancel saves nothing.
    const other = (await rpc('mcp.tools.list', { server: id })).items.find((t: { annotations: { readOnlyHint?: boolean } }) => t.annotations.readOnlyHint !== true);
    expect(other, 'server-everything has a tool that is not read-only').toBeTruthy();
    const row = server.getByTestId(`mcp-tool-${other.name}`);
    await row.getByTestId(`mcp-rule-${other.name}`).selectOption('allow');
    const confirm = row.getByTestId(`mcp-confirm-${other.name}`);
    await confirm.waitFor();
    expect(await confirm.innerText()).toMatch(/runs it without asking you first/);
    await page.screenshot({ path: path.join(shots, 'mcp-confirm-allow.png'), fullPage: true });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect((await toolRule(id, other.name)).rule).toBeNull();
    await row.getByTestId(`mcp-rule-${other.name}`).selectOption('allow');
    await confirm.getByRole('button', { name: 'Allow without asking' }).click();
    await expect.poll(() => toolRule(id, other.name)).toMatchObject({ rule: 'allow', effective: 'allow' });
    await expect.poll(() => row.getByTestId(`mcp-rule-${other.name}`).inputValue()).toBe('allow');

    // Contacts are off by default; turning it on is saved and says what it means.
    const contacts = server.getByTestId('mcp-contacts');
    expect(await contacts.isChecked()).toBe(false);
    await contacts.check();
    await expect.poll(async () => (await rpc('mcp.servers.list')).items.find((s: { id: string }) => s.id === id).contacts).toBe(true);
    await server.getByText(/What they write may try to misuse them/).waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('imports a second server with an env secret: its name shows as saved, its value nowhere', async () => {
    const { page, errors } = await open();
    const importer = page.getByTestId('mcp-import');
    // Not JSON, then an entry Perch cannot use: each explained in a sentence naming the problem.
    await importer.getByTestId('mcp-import-json').fill('{"mcpServers": {');
    await importer.getByTestId('mcp-import-submit').click();
    await importer.getByRole('alert').getByText(/not valid JSON/).waitFor();
    await importer.getByTestId('mcp-import-json').fill(JSON.stringify({ mcpServers: { 'half-done': { args: ['x'] } } }));
    await importer.getByTestId('mcp-import-submit').click();
    const alert = importer.getByRole('alert');
    await alert.waitFor();
    const said = (await alert.locator('p').first().innerText()).trim();
    expect(said).toContain('half-done');
    expect(said).toMatch(/[.!?]$/);
    expect(said).not.toMatch(/[{}[\]]|invalid_params|-320\d\d/);

    const json = JSON.stringify({ mcpServers: { secretive: { command: process.execPath, args: [EVERYTHING], env: { PERCH_E2E_TOKEN: SECRET } } } }, null, 2);
    await importer.getByTestId('mcp-import-json').fill(json);
    await importer.getByTestId('mcp-import-submit').click();
    await importer.getByTestId('mcp-import-result').getByText('Added: secretive.').waitFor();
    const secretive = card(page, 'secretive');
    await secretive.waitFor();
    await stateOf(page, 'secretive', 'ready').waitFor({ timeout: 30_000 });
    const keys = secretive.getByTestId('mcp-secrets');
    expect(await keys.innerText()).toMatch(/PERCH_E2E_TOKEN\s+saved/);
    const html = await page.content();
    const values = await page.evaluate(() => [...document.querySelectorAll('input, textarea')].map((e) => (e as HTMLInputElement).value).join('\n'));
    expect(html).not.toContain(SECRET);
    expect(values).not.toContain(SECRET);
    expect(JSON.stringify(await rpc('mcp.servers.list'))).not.toContain(SECRET);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('shows a command that does not exist as Failed, in a sentence, with the raw reason under Details', async () => {
    const { page, errors } = await open();
    await addThroughForm(page, 'broken', '/nonexistent/perch-no-such-server', ['--stdio']);
    await stateOf(page, 'broken', 'failed').waitFor({ timeout: 60_000 });
    const state = card(page, 'broken').getByTestId('mcp-state');
    const shown = (await state.locator('p').innerText()).trim();
    expect(shown).toMatch(/^Failed: [A-Z].*[.!?]$/);
    expect(shown).not.toMatch(/ENOENT|spawn |[{}[\]]/);
    expect(await card(page, 'broken').getByRole('img', { name: 'Failed' }).count()).toBe(1);
    expect(await card(page, 'broken').getByTestId('mcp-tool-echo').count()).toBe(0);
    await card(page, 'broken').screenshot({ path: path.join(shots, 'mcp-failed.png') });
    expect(errors).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('looks right in light and dark, wide and narrow: no sideways scroll, no serious axe violations', async () => {
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      for (const width of [1280, 480]) {
        const { page, errors } = await open(width, scheme);
        await stateOf(page, 'everything', 'ready').waitFor({ timeout: 30_000 });
        await card(page, 'everything').getByTestId('mcp-tools').locator('summary').first().click();
        await card(page, 'everything').getByTestId('mcp-tool-echo').waitFor();
        await stateOf(page, 'broken', 'failed').waitFor({ timeout: 30_000 });
        await page.screenshot({ path: path.join(shots, `mcp-${scheme}-${width}.png`), fullPage: true });
        if (width === 1280) await card(page, 'everything').screenshot({ path: path.join(shots, `mcp-server-${scheme}.png`) });
        expect(await page.locator('h1').count()).toBe(1);
        const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(sideways, `${scheme} ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
        const axe = await new AxeBuilder({ page: page as never }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        for (const v of axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
          found.push(`${scheme} ${width}: ${v.id} ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(' | ')}`);
        }
        expect(errors).toEqual([]);
        await page.context().close();
      }
    }
    expect(found).toEqual([]);
  }, 180_000);
});
