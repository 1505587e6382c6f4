#!/usr/bin/env node
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { GATEWAY_TOKEN_SECRET } from './auth/credentials';
import { ConfigError, readRuntimeConfig } from './config/runtime-config';
import { methods } from './contract/methods';
import { createLogger } from './log/logger';
import { openSecretStore } from './secrets/secret-store';

// `npm run login-link` (or `perch login-link`): asks the Perch that is running for a new one-time
// dashboard link, so an expired or used one needs no restart. It finds Perch as the core does
// (PERCH_DATA_DIR, PERCH_GATEWAY_PORT/HOST), reads the gateway token as the core does
// (PERCH_GATEWAY_TOKEN, else the keychain or its file fallback) and sends it in the
// Authorization header of the WebSocket upgrade, never in a URL.

export class CliError extends Error {}

const CALL_TIMEOUT_MS = 10_000;

/** Where to connect: a wildcard bind address is reached on loopback. */
export function gatewayAddress(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `${reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable}:${port}`;
}

async function readToken(env: NodeJS.ProcessEnv, dataDir: string, fromEnv: string | null): Promise<string> {
  if (fromEnv) return fromEnv;
  const log = createLogger({ dir: null, level: 'error', console: false });
  let token: string | null;
  try {
    const secrets = await openSecretStore({ dataDir, log });
    token = await secrets.get(GATEWAY_TOKEN_SECRET);
  } catch (error) {
    throw new CliError(`Cannot read the gateway token (${(error as Error).message}). Set PERCH_GATEWAY_TOKEN to it and run this again.`);
  }
  if (!token) {
    const where = env.PERCH_DATA_DIR ? `PERCH_DATA_DIR=${dataDir}` : `the data directory ${dataDir}`;
    throw new CliError(`No gateway token found for ${where}: has Perch been started with it? Start Perch, or set PERCH_GATEWAY_TOKEN, and run this again.`);
  }
  return token;
}

/** One authenticated call over the gateway WebSocket; every way it can fail becomes one sentence. */
function callGateway(address: string, token: string, method: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${address}/rpc`, { headers: { Authorization: `Bearer ${token}` }, handshakeTimeout: CALL_TIMEOUT_MS });
    const fail = (message: string) => {
      clearTimeout(timer);
      ws.terminate();
      reject(new CliError(message));
    };
    const timer = setTimeout(() => fail(`Perch at ${address} did not answer within ${CALL_TIMEOUT_MS / 1000} s.`), CALL_TIMEOUT_MS);
    ws.once('unexpected-response', (_req, res) =>
      fail(
        res.statusCode === 401
          ? `Perch at ${address} refused the gateway token: it is not the token this Perch uses (was it rotated, or is PERCH_GATEWAY_TOKEN different?).`
          : `Perch at ${address} refused the connection (HTTP ${res.statusCode}).`,
      ),
    );
    ws.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'ECONNREFUSED'
          ? `Perch is not running at ${address}. Start it (npm start or npm run serve), or set PERCH_GATEWAY_PORT to the port it uses.`
          : `Cannot reach Perch at ${address}: ${error.message}.`,
      ),
    );
    ws.once('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: {} })));
    ws.on('message', (data) => {
      let frame: { id?: unknown; result?: unknown; error?: { message: string } };
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      if (frame.id !== 1) return;
      clearTimeout(timer);
      ws.close(1000);
      if (frame.error) reject(new CliError(`Perch could not do that: ${frame.error.message}.`));
      else resolve(frame.result);
    });
  });
}

export async function loginLink(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; expiresAt: string }> {
  let config;
  try {
    config = readRuntimeConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`Invalid environment: ${error.problems.join('; ')}`);
    throw error;
  }
  if (config.gateway.port === 0) throw new CliError('PERCH_GATEWAY_PORT=0 lets Perch pick a port at start: set PERCH_GATEWAY_PORT to the port it printed.');
  const token = await readToken(env, config.dataDir, config.gatewayToken);
  const result = methods['auth.loginLink'].result.safeParse(await callGateway(gatewayAddress(config.gateway.host, config.gateway.port), token, 'auth.loginLink'));
  if (!result.success) throw new CliError('Perch answered without a link: is it an older version? Update it, or restart it for a new link.');
  return result.data;
}

const USAGE = 'Usage: perch login-link   (prints a new one-time sign-in link for the dashboard of the Perch running here)';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command] = argv;
  if (command !== 'login-link') {
    process.stderr.write(`${command && command !== '--help' && command !== '-h' ? `Unknown command: ${command}\n` : ''}${USAGE}\n`);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  try {
    const { url, expiresAt } = await loginLink(env);
    const minutes = Math.max(1, Math.round((new Date(expiresAt).getTime() - Date.now()) / 60_000));
    process.stdout.write(`Open this link to sign in to the dashboard (once, within ${minutes} minutes):\n  ${url}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof CliError ? error.message : (error as Error).message}\n`);
    return 1;
  }
}

// Run as a program (also through the `perch` bin link, hence the real path), not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) void main(process.argv.slice(2)).then((code) => process.exit(code));
