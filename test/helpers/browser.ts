import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

// Debian's Chromium (installed by .ci/run); playwright never downloads a browser here.
export const CHROMIUM = process.env.PERCH_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set PERCH_CHROMIUM)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Signs a dashboard page in by pasting the gateway token (after opening `at`, if given), until it shows Connected. */
export async function signInWithToken(page: Page, token: string, at?: string): Promise<void> {
  if (at) await page.goto(at);
  await page.getByLabel('Gateway token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="connection-state"]')?.textContent === 'Connected');
}
