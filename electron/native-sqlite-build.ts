import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NativeSqliteOptions, RebuildFn, RebuildOptions } from './native-sqlite';

// The real build behind electronSqliteBinding: @electron/rebuild (a devDependency, so only in a
// clone) run in a child process that is Electron itself in Node mode (ELECTRON_RUN_AS_NODE), so the
// build and its tools run on Electron's Node and the result is loaded there once before it is
// accepted. It needs the network for Electron's headers, which cannot be downloaded on the machines
// these tests run on: the tests inject a rebuild function instead, and run this runner with a
// stand-in rebuild module.

const REBUILD_TIMEOUT_MS = 10 * 60_000;

// Runs in the child: argv = [rebuild module URL, options JSON]. Prints the first line of a failure
// as `PERCH-REASON: …` so the parent can name it among node-gyp's output.
const CHILD_SCRIPT = `
const [moduleUrl, json] = process.argv.slice(2);
try {
  const { rebuild } = await import(moduleUrl);
  const options = JSON.parse(json);
  await rebuild(options);
  const built = options.buildPath + '/node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  process.dlopen({ exports: {} }, built); // refused here means refused by the app: not cached
} catch (error) {
  process.stderr.write('PERCH-REASON: ' + String(error && error.message || error).split('\\n')[0] + '\\n');
  process.exit(1);
}
`;

export interface ChildRebuildOptions {
  /** The executable that runs the child in Node mode: Electron (process.execPath in the app). */
  execPath: string;
  /** The module exporting rebuild(options), as @electron/rebuild does. */
  rebuildModule: string;
  timeoutMs?: number;
}

/** A RebuildFn that runs rebuildModule's rebuild() in a child process and names the reason of a failure. */
export function childRebuild(child: ChildRebuildOptions): RebuildFn {
  return (options: RebuildOptions) =>
    new Promise<void>((resolve, reject) => {
      const script = path.join(options.buildPath, 'perch-rebuild.mjs');
      fs.writeFileSync(script, CHILD_SCRIPT);
      const proc = spawn(child.execPath, [script, pathToFileURL(child.rebuildModule).href, JSON.stringify(options)], {
        cwd: options.buildPath,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: child.timeoutMs ?? REBUILD_TIMEOUT_MS,
        windowsHide: true,
      });
      let output = '';
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-64_000);
      };
      proc.stdout.on('data', keep);
      proc.stderr.on('data', keep);
      proc.on('error', (error) => reject(new Error(`could not start the build (${error.message})`)));
      proc.on('exit', (code, signal) => {
        if (code === 0) return resolve();
        if (signal) return reject(new Error(`the build was stopped (${signal}; it is given ${Math.round((child.timeoutMs ?? REBUILD_TIMEOUT_MS) / 60_000)} minutes)`));
        reject(new Error(failureReason(output)));
      });
    });
}

/** The sentence a person can act on, out of node-gyp's and @electron/rebuild's output. */
export function failureReason(output: string): string {
  if (/network connectivity|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(output)) {
    return "Electron's headers could not be downloaded (it needs the network once)";
  }
  const missing = /gyp ERR! .*?(Could not find any Python installation[^\n]*|not found: (?:make|cc|c\+\+|g\+\+)[^\n]*)/.exec(output);
  if (missing) return `${missing[1]!.trim()} (a C++ compiler, make and Python are needed to build it)`;
  const reason = /PERCH-REASON: ([^\n]+)/.exec(output);
  return reason ? reason[1]!.trim() : 'the build failed without saying why';
}

/** Everything electronSqliteBinding needs, from the running app. */
export function desktopSqliteOptions(app: { isPackaged: boolean; getPath(name: 'userData'): string }): NativeSqliteOptions {
  const require = createRequire(import.meta.url);
  return {
    packaged: app.isPackaged,
    userData: app.getPath('userData'),
    electronVersion: process.versions.electron ?? '',
    abi: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    packageDir: app.isPackaged ? '' : path.dirname(require.resolve('better-sqlite3/package.json')),
    rebuild: (options) => {
      let rebuildModule: string;
      try {
        rebuildModule = require.resolve('@electron/rebuild');
      } catch {
        return Promise.reject(new Error('@electron/rebuild is not installed (run npm install without --omit=dev)'));
      }
      return childRebuild({ execPath: process.execPath, rebuildModule })(options);
    },
    say: (line) => process.stdout.write(`${line}\n`),
  };
}
