import path from 'node:path';
import { startCore, type Core, type CoreOptions } from '../../main/core';
import { tempDataDir } from './data-dir';

export const TEST_TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz';
export const BUILT_DASHBOARD = path.resolve(__dirname, '../../out/renderer');

const noKeychain = () => Promise.reject(new Error('no keychain in this test'));

/** A real core (real SQLite file, real gateway on a free loopback port) for in-process tests. */
export async function startTestCore(env: Record<string, string> = {}, extra: Pick<CoreOptions, 'authTimeoutMs' | 'signIn' | 'breaker' | 'modelCallTimeoutMs' | 'ollamaUrl' | 'modelCatalog' | 'downloadStallMs' | 'whatsappSocket' | 'telegramTiming'> = {}): Promise<Core> {
  return startCore({
    mode: 'headless',
    env: { PERCH_DATA_DIR: tempDataDir(), PERCH_GATEWAY_PORT: '0', PERCH_GATEWAY_TOKEN: TEST_TOKEN, PERCH_VALIDATE_RESULTS: '1', ...env },
    consoleLog: false,
    staticDir: BUILT_DASHBOARD,
    loadKeytar: noKeychain,
    ...extra,
  });
}
