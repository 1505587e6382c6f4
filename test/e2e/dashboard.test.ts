import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKEN } from '../helpers/core';
import { launchChromium } from '../helpers/browser';
import { tempDataDir } from '../helpers/data-dir';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// The headless app started as a user would, and its dashboard driven in real Chromium.

const shots = path.resolve(__dirname, '../../test-results');
let browser: Browser;
let app: ServeProcess;
let dashboardLink: string;
let dataDir: string;
let port: number;
let model: string;

// With a (tiny) model, so the pages show instead of the first-run setup.
const serveEnv = () => ({ PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: String(port), PERCH_GATEWAY_TOKEN: TEST_TOKEN, PERCH_MODEL: `llama:${model}` });

/** Signed in (the home page is the chat), then on the Overview with system.status shown. */
async function overview(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[data-testid="connection-state"]')?.textContent === 'Connected');
  await page.evaluate(() => (window.location.hash = '#/overview'));
  await page.getByTestId('status').waitFor({ timeout: 20_000 });
}

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  dataDir = tempDataDir();
  port = await freePort();
  model = path.join(dataDir, 'tiny.gguf');
  writeTinyGguf(model, { contextLength: 2048 });
  app = spawnServe(serveEnv());
  ({ dashboard: dashboardLink } = await waitForStart(app));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  app?.child.kill('SIGTERM');
  await app?.exited;
});

describe('dashboard', () => {
  it('signs in with the one-time link and shows system.status', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(dashboardLink);
    await page.waitForFunction(() => document.querySelector('[data-testid="connection-state"]')?.textContent === 'Connected');
    // The single-use code is gone from the address bar once used.
    expect(page.url()).toBe(`http://127.0.0.1:${port}/`);
    await overview(page);
    expect(await page.getByTestId('fact-data-directory').textContent()).toBe(dataDir);
    expect(await page.getByTestId('fact-version').textContent()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await page.getByTestId('health').textContent()).toContain('store');
    await page.screenshot({ path: path.join(shots, 'dashboard-overview.png'), fullPage: true });

    // Reloading keeps the session (stored in localStorage), without the link.
    await page.reload();
    await page.getByTestId('status').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a used link and signs in with the pasted token instead', async () => {
    const page = await browser.newPage();
    await page.goto(dashboardLink);
    await page.getByTestId('login').waitFor();
    expect(await page.getByTestId('login').textContent()).toContain('invalid, expired or already used');
    await page.screenshot({ path: path.join(shots, 'dashboard-login.png') });
    await page.getByLabel('Gateway token').fill(TEST_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await overview(page);
    await page.close();
  });

  it('reconnects after the gateway restarts', async () => {
    const page = await browser.newPage();
    const login = await fetchNewLink();
    await page.goto(login);
    await overview(page);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    await page.waitForFunction(() => document.querySelector('[data-testid="connection-state"]')?.textContent !== 'Connected');
    app = spawnServe(serveEnv());
    await waitForStart(app);
    await page.waitForFunction(() => document.querySelector('[data-testid="connection-state"]')?.textContent === 'Connected', undefined, { timeout: 20_000 });
    await page.getByTestId('status').waitFor();
    await page.close();
  });
});

/** Restarts are the only way to get a fresh link from the outside; reuse the stdout of the running app. */
async function fetchNewLink(): Promise<string> {
  app.child.kill('SIGTERM');
  await app.exited;
  app = spawnServe(serveEnv());
  return (await waitForStart(app)).dashboard;
}
