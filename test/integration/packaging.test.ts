import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { listPackage } from '@electron/asar';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../helpers/data-dir';

// Packaging the built app offline with electron-builder, pointed at a stand-in Electron
// distribution (the real one cannot be downloaded here) and without rebuilding native modules:
// the asar holds the built main, preload and renderer and nothing else of the work tree, the
// native modules land unpacked, node-llama-cpp's CUDA builds are left out, and the tray icons
// travel as resources.

const root = path.resolve(__dirname, '../..');

describe('the desktop package', () => {
  it('holds the built app in the asar and the native modules unpacked', () => {
    const work = tempDataDir();
    const electronDist = path.join(work, 'electron-dist');
    fs.mkdirSync(electronDist, { recursive: true });
    fs.writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\necho stand-in\n', { mode: 0o755 });
    const output = path.join(work, 'dist');
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/electron-builder/cli.js'), '--linux', 'dir', `-c.electronDist=${electronDist}`, '-c.npmRebuild=false', `-c.directories.output=${output}`],
      { cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, ELECTRON_BUILDER_OFFLINE: 'true' } },
    );
    expect(result.status, result.stderr + result.stdout).toBe(0);
    const app = path.join(output, 'linux-unpacked');
    expect(fs.existsSync(path.join(app, 'perch'))).toBe(true); // the executable, named after the product

    const files = listPackage(path.join(app, 'resources/app.asar'), { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    for (const wanted of ['/out/main/index.js', '/out/main/serve.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/package.json']) expect(files).toContain(wanted);
    expect(files.some((f) => f.startsWith('/out/renderer/assets/') && f.endsWith('.js'))).toBe(true);
    // Nothing else of the work tree (sources, tests, bench leftovers) is shipped.
    expect(files.filter((f) => /^\/(main|electron|test|renderer\/src|scripts)\//.test(f) || f.includes('bench-ts-'))).toEqual([]);

    const unpacked = path.join(app, 'resources/app.asar.unpacked/node_modules');
    const found = (dir: string, pattern: RegExp): string[] => (fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => pattern.test(f)) : []);
    expect(found(path.join(unpacked, 'better-sqlite3'), /\.node$/).length).toBeGreaterThan(0);
    // keytar is optional (it builds only with libsecret): where it was built here it must be shipped,
    // and where it was not, the package has none of it.
    const keytarBuilt = found(path.join(root, 'node_modules/keytar'), /\.node$/).length > 0;
    expect(found(path.join(unpacked, 'keytar'), /\.node$/).length > 0, `keytar built in node_modules: ${keytarBuilt}`).toBe(keytarBuilt);
    expect(found(unpacked, /^sqlite-vec-linux-x64\/vec0\.so$/)).toHaveLength(1);
    expect(found(path.join(unpacked, '@node-llama-cpp/linux-x64'), /llama-addon\.node$/).length).toBeGreaterThan(0);
    expect(fs.readdirSync(path.join(unpacked, '@node-llama-cpp')).filter((d) => d.includes('cuda') || d.startsWith('mac') || d.startsWith('win'))).toEqual([]);
    expect(fs.readdirSync(path.join(app, 'resources/resources')).filter((f) => f.startsWith('tray-')).length).toBe(16);
  }, 300_000);
});
