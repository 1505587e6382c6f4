import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnNode, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';

// Signing in to the dashboard as a person does, against the headless app with a token it made
// itself (kept in its secrets file here: no keychain): `npm run login-link` (the built CLI) prints
// a new one-time link from the running Perch, the link signs in; a used link and a wrong token say
// so on the sign-in page, which keeps the typed text and the focus and does not reconnect in a loop.

const shots = path.resolve(__dirname, '../../test-results');
const CLI = path.resolve(__dirname, '../../out/main/cli.js');
const WRONG_TOKEN = 'That token is not right. Paste the gateway token again, or open a new sign-in link: run `npm run login-link`.';
const LINK_REFUSED = 'This sign-in link is invalid, expired or already used.';

let browser: Browser;
let app: ServeProcess;
let dataDir: string;
let port: number;
let env: Record<string, string>;

/** Runs the CLI as `npm run login-link` does (node out/main/cli.js login-link). */
async function loginLink(extra: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const run = spawnNode([CLI, 'login-link'], { ...env, ...extra });
  const code = await run.exited;
  return { code, out: run.stdout(), err: run.stderr() };
}

const linkOf = (out: string) => /(http:\/\/\S+#login=[\w-]+)/.exec(out)?.[1] ?? null;
const gatewayToken = () => (JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>)['gateway-token']!;

/** Signed in: the connection is open (the page frame shows while connecting too). */
const connected = (page: Page) => page.waitForFunction(() => document.querySelector('[data-testid="connection-state"]')?.textContent === 'Connected');

async function newPage(): Promise<{ page: Page; sockets: () => number }> {
  const page = await browser.newPage({ viewport: { width: 1024, height: 760 } });
  let opened = 0;
  page.on('websocket', () => opened++);
  return { page, sockets: () => opened };
}

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  dataDir = tempDataDir();
  port = await freePort();
  // No PERCH_GATEWAY_TOKEN: Perch makes one and keeps it; the CLI must find it the same way.
  env = { PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: String(port) };
  app = spawnServe(env);
  await waitForStart(app, 30_000);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  app?.child.kill('SIGTERM');
  await app?.exited;
});

describe('npm run login-link', () => {
  it('prints a new one-time link from the running Perch that signs the dashboard in; used again, it is refused with what to do', async () => {
    const run = await loginLink();
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const link = linkOf(run.out);
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/#login=`));
    expect(run.out).not.toContain(gatewayToken()); // the token itself is never printed

    const { page } = await newPage();
    await page.goto(link!);
    await connected(page);
    await page.getByTestId('page-chat').waitFor();
    expect(await page.title()).toBe('Chat · Perch');
    expect(page.url()).toBe(`http://127.0.0.1:${port}/`); // the code left the address bar
    await page.close();

    // A second link works on its own (no restart), and the first one is spent.
    const second = linkOf((await loginLink()).out);
    expect(second).not.toBe(link);
    const again = await newPage();
    await again.page.goto(link!);
    const problem = again.page.getByTestId('sign-in-problem');
    await problem.getByText(LINK_REFUSED).waitFor();
    expect(await problem.textContent()).toContain('npm run login-link');
    expect(await again.page.title()).toBe('Sign in · Perch');
    await again.page.screenshot({ path: path.join(shots, 'sign-in-link-used.png') });
    await again.page.goto(second!); // in the same tab: only the hash changes
    await connected(again.page);
    await again.page.close();
  }, 60_000);

  it('says in one line when Perch is not running, when no token can be found, and when the token is refused', async () => {
    const other = await freePort();
    const down = await loginLink({ PERCH_GATEWAY_PORT: String(other) });
    expect(down.code).toBe(1);
    expect(down.err).toBe(`Perch is not running at 127.0.0.1:${other}. Start it (npm start or npm run serve), or set PERCH_GATEWAY_PORT to the port it uses.\n`);

    const empty = tempDataDir();
    const noToken = await loginLink({ PERCH_DATA_DIR: empty });
    expect(noToken.code).toBe(1);
    expect(noToken.err.trim().split('\n')).toHaveLength(1);
    expect(noToken.err).toContain(`No gateway token found for PERCH_DATA_DIR=${empty}`);

    const refused = await loginLink({ PERCH_GATEWAY_TOKEN: 'x'.repeat(40) });
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('refused the gateway token');
    expect(refused.out).toBe('');
  }, 30_000);
});

describe('the sign-in page', () => {
  it('says a wrong token is not right, keeps it in the focused field, does not reconnect by itself, then signs in with the right one', async () => {
    const { page, sockets } = await newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    const field = page.getByLabel('Gateway token');
    await field.fill('not-the-gateway-token-at-all');
    await field.press('Enter');
    const problem = page.getByTestId('sign-in-problem');
    await problem.getByText(WRONG_TOKEN).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain(WRONG_TOKEN);
    expect(await field.inputValue()).toBe('not-the-gateway-token-at-all'); // nothing silently reset
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('gateway-token');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('connection-state').textContent()).toBe('Signed out');
    await page.screenshot({ path: path.join(shots, 'sign-in-wrong-token.png') });

    // Refused is final: no new connection is tried behind the person's back.
    const tried = sockets();
    await page.waitForTimeout(2_000);
    expect(sockets()).toBe(tried);

    // Clicking Sign in with the same wrong token says it again (and gives the field back the focus).
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => sockets()).toBe(tried + 1);
    await problem.getByText(WRONG_TOKEN).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'gateway-token');
    expect(await field.inputValue()).toBe('not-the-gateway-token-at-all');

    await field.fill(gatewayToken());
    await field.press('Enter');
    await connected(page);
    await page.getByTestId('page-chat').waitFor();
    await page.close();
  }, 60_000);

  it('ends a session whose token was replaced with what to do, without reconnecting in a loop', async () => {
    const { page, sockets } = await newPage();
    await page.goto(linkOf((await loginLink()).out)!);
    await connected(page);
    const ws = await RpcSocket.open(`ws://127.0.0.1:${port}/rpc`, { Authorization: `Bearer ${gatewayToken()}` });
    const rotated = await ws.request('auth.rotateToken');
    expect(rotated.result.sessionsEnded).toBeGreaterThan(0);
    ws.close();
    await page.getByTestId('sign-in-problem').getByText('Your dashboard session has ended').waitFor();
    const tried = sockets();
    await page.waitForTimeout(2_000);
    expect(sockets()).toBe(tried);
    // The CLI reads the new token and still gets a link.
    const after = await loginLink();
    expect(after.code).toBe(0);
    await page.goto(linkOf(after.out)!);
    await connected(page);
    await page.close();
  }, 60_000);
});
