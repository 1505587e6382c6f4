#!/usr/bin/env node
// `npm start`: the desktop app, or — where Electron cannot start (no binary, no display) — one
// line saying so and the headless core with the dashboard over HTTP. `npm run serve` (--headless)
// goes straight to headless. Either way the bundle is rebuilt first when a source changed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const headlessOnly = process.argv.includes('--headless');
const serveEntry = path.join(root, 'out/main/serve.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function buildIfStale() {
  const sources = ['main', 'electron', 'preload', 'renderer'].map((d) => path.join(root, d));
  const built = fs.existsSync(serveEntry) ? fs.statSync(serveEntry).mtimeMs : 0;
  if (built > Math.max(...sources.map(newestMtime), fs.statSync(path.join(root, 'package.json')).mtimeMs)) return;
  process.stdout.write('Building Perch…\n');
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) {
    process.stderr.write('Perch: the build failed (see above).\n');
    process.exit(1);
  }
}

/** The Electron binary, or the reason there is none (fetched on first desktop launch). */
function electronBinary() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { reason: 'no display' };
  const find = () => {
    try {
      return { path: require('electron') };
    } catch (error) {
      return { reason: error.message.split('\n')[0] };
    }
  };
  let found = find();
  if (found.path) return found;
  process.stdout.write('Fetching the Electron runtime (first desktop launch)…\n');
  const fetched = spawnSync(process.execPath, [path.join(root, 'node_modules/electron/install.js')], { cwd: root, stdio: 'ignore', timeout: 300_000 });
  if (fetched.status === 0) found = find();
  return found.path ? found : { reason: 'no Electron binary (it could not be downloaded)' };
}

async function runHeadless(reason) {
  if (reason) {
    const port = process.env.PERCH_GATEWAY_PORT || '18789';
    process.stdout.write(`Perch: Electron cannot start here (${reason}); running headless with the dashboard at http://127.0.0.1:${port}/\n`);
  }
  const { runHeadless: run } = await import(pathToFileURL(serveEntry).href);
  await run();
}

buildIfStale();
if (headlessOnly) {
  await runHeadless(null);
} else {
  const electron = electronBinary();
  if (!electron.path) {
    await runHeadless(electron.reason);
  } else {
    const started = Date.now();
    // The core in Electron wipes secrets from its own environment block once read. This launcher
    // keeps its copy (it may fall back to headless with it), as do npm and the shell above it, which
    // Perch cannot reach: secrets belong in the keychain (secrets.set), not in the environment.
    // The app writes why it could not start here (e.g. its database module could not be built for
    // Electron, which can take a minute to find out), and this falls back with that reason.
    const reasonFile = path.join(os.tmpdir(), `perch-desktop-${process.pid}.reason`);
    const child = spawn(electron.path, [root], { stdio: 'inherit', env: { ...process.env, PERCH_DESKTOP_REASON_FILE: reasonFile } });
    child.on('exit', (code, signal) => {
      let reason = null;
      try {
        reason = fs.readFileSync(reasonFile, 'utf8').trim() || null;
        fs.rmSync(reasonFile, { force: true });
      } catch {
        // none written: not a failure to start
      }
      // A desktop that dies at once (missing libraries, no GPU access…) falls back to headless.
      if (code !== 0 && !signal && (reason || Date.now() - started < 5000)) void runHeadless(reason ?? `Electron exited with code ${code}`);
      else process.exit(code ?? 0);
    });
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  }
}
