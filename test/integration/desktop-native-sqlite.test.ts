import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childRebuild, failureReason } from '../../electron/native-sqlite-build';
import { BUILDING_LINE, cachedBindingPath, electronSqliteBinding, NativeSqliteError, type NativeSqliteOptions, type RebuildOptions } from '../../electron/native-sqlite';
import { startCore } from '../../main/core';
import { sqliteVecVersion } from '../../main/store/database';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';

// Which better-sqlite3 the desktop loads, and the build into the cache on a clone's first desktop
// launch. Electron's headers cannot be downloaded here, so the real @electron/rebuild cannot run:
// the rebuild is a stand-in that writes what @electron/rebuild writes (a better_sqlite3.node under
// buildPath), using the real Node-ABI binding so the core can really load the result.

const PACKAGE_DIR = path.resolve(__dirname, '../../node_modules/better-sqlite3');
const NODE_BINDING = path.join(PACKAGE_DIR, 'build/Release/better_sqlite3.node');

function setup(overrides: Partial<NativeSqliteOptions> = {}) {
  const calls: RebuildOptions[] = [];
  const said: string[] = [];
  const options: NativeSqliteOptions = {
    packaged: false,
    userData: tempDataDir(),
    electronVersion: '41.10.7',
    abi: '145',
    platform: process.platform,
    arch: process.arch,
    packageDir: PACKAGE_DIR,
    rebuild: async (o) => {
      calls.push(o);
      writeBuilt(o.buildPath);
    },
    say: (line) => said.push(line),
    pollMs: 20,
    ...overrides,
  };
  return { options, calls, said };
}

/** What @electron/rebuild leaves behind for better-sqlite3. */
function writeBuilt(buildPath: string): void {
  const release = path.join(buildPath, 'node_modules/better-sqlite3/build/Release');
  fs.mkdirSync(release, { recursive: true });
  fs.copyFileSync(NODE_BINDING, path.join(release, 'better_sqlite3.node'));
}

function cacheRootOf(userData: string): string {
  return path.join(userData, 'native', 'better-sqlite3');
}

const version = (JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;

describe('choosing the better-sqlite3 binding for the desktop', () => {
  it('a packaged app uses the default binding (electron-builder rebuilt it) and builds nothing', async () => {
    const { options, calls, said } = setup({ packaged: true, packageDir: '' });
    expect(await electronSqliteBinding(options)).toBeNull();
    expect(calls).toEqual([]);
    expect(said).toEqual([]);
    expect(fs.existsSync(path.join(options.userData, 'native'))).toBe(false);
  });

  it('the cache is keyed by better-sqlite3, Electron, ABI, platform and arch', () => {
    const { options } = setup();
    expect(cachedBindingPath(options)).toBe(
      path.join(cacheRootOf(options.userData), `${version}-electron-41.10.7-abi145-${process.platform}-${process.arch}`, 'better_sqlite3.node'),
    );
  });

  it('a clone with the binding cached uses it without building', async () => {
    const { options, calls, said } = setup();
    const cached = cachedBindingPath(options);
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.copyFileSync(NODE_BINDING, cached);
    expect(await electronSqliteBinding(options)).toBe(cached);
    expect(calls).toEqual([]);
    expect(said).toEqual([]);
  });

  it('a clone without it builds once in a scratch copy, says so, and renames the result into the cache; the next launch reuses it', async () => {
    let scratchSeen: { hasBuildDir: boolean; manifest: unknown; hasSources: boolean } | null = null;
    const { options, calls, said } = setup();
    const rebuild = options.rebuild;
    options.rebuild = async (o) => {
      const moduleDir = path.join(o.buildPath, 'node_modules/better-sqlite3');
      scratchSeen = {
        hasBuildDir: fs.existsSync(path.join(moduleDir, 'build')),
        manifest: JSON.parse(fs.readFileSync(path.join(o.buildPath, 'package.json'), 'utf8')),
        hasSources: fs.existsSync(path.join(moduleDir, 'binding.gyp')) && fs.existsSync(path.join(moduleDir, 'src')),
      };
      await rebuild(o);
    };
    const cached = cachedBindingPath(options);
    const got = await electronSqliteBinding(options);
    expect(got).toBe(cached);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ electronVersion: '41.10.7', arch: process.arch, onlyModules: ['better-sqlite3'], force: true, buildFromSource: true });
    expect(scratchSeen).toEqual({ hasBuildDir: false, manifest: { name: 'perch-native-build', private: true, dependencies: { 'better-sqlite3': version } }, hasSources: true });
    expect(said).toEqual([BUILDING_LINE]);
    expect(fs.readFileSync(cached).equals(fs.readFileSync(NODE_BINDING))).toBe(true);
    // Nothing left over: no scratch folder, no partial file, no lock.
    expect(fs.readdirSync(cacheRootOf(options.userData))).toEqual([path.basename(path.dirname(cached))]);
    expect(fs.readdirSync(path.dirname(cached))).toEqual(['better_sqlite3.node']);
    // The Node-ABI tree npm built was not touched.
    expect(fs.existsSync(NODE_BINDING)).toBe(true);

    expect(await electronSqliteBinding(options)).toBe(cached);
    expect(calls).toHaveLength(1);
    expect(said).toHaveLength(1);
  });

  it('a half-written binding from an interrupted launch is never used: the build runs again', async () => {
    const { options, calls } = setup();
    const cached = cachedBindingPath(options);
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.writeFileSync(`${cached}.partial-4242`, 'half');
    fs.mkdirSync(path.join(cacheRootOf(options.userData), 'build-4242'));
    expect(await electronSqliteBinding(options)).toBe(cached);
    expect(calls).toHaveLength(1);
    expect(fs.readFileSync(cached).equals(fs.readFileSync(NODE_BINDING))).toBe(true);
    expect(fs.readdirSync(path.dirname(cached))).toEqual(['better_sqlite3.node']);
    expect(fs.existsSync(path.join(cacheRootOf(options.userData), 'build-4242'))).toBe(false);
  });

  it('a failed build says why, caches nothing, and the next launch tries again', async () => {
    const { options, said } = setup({
      rebuild: async (o) => {
        writeBuilt(o.buildPath); // even with output on disk, a failed build is not cached
        throw new Error("Electron's headers could not be downloaded (it needs the network once)");
      },
    });
    const cached = cachedBindingPath(options);
    const error = await electronSqliteBinding(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NativeSqliteError);
    expect((error as Error).message).toBe("the database module for Electron could not be built: Electron's headers could not be downloaded (it needs the network once)");
    expect(said).toEqual([BUILDING_LINE]);
    expect(fs.existsSync(path.dirname(cached))).toBe(false);
    expect(fs.readdirSync(cacheRootOf(options.userData))).toEqual([]); // no scratch, no lock

    const retry = setup({ userData: options.userData });
    expect(await electronSqliteBinding(retry.options)).toBe(cached);
    expect(retry.calls).toHaveLength(1);
  });

  it('a build that produces no binding is an error, not a cache entry', async () => {
    const { options } = setup({ rebuild: async () => undefined });
    await expect(electronSqliteBinding(options)).rejects.toThrow('the database module for Electron could not be built: the build finished without producing better_sqlite3.node');
    expect(fs.existsSync(path.dirname(cachedBindingPath(options)))).toBe(false);
  });

  it('two launches at once build once: the second waits for the first and uses its binding', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { options, calls } = setup();
    const rebuild = options.rebuild;
    options.rebuild = async (o) => {
      await gate;
      await rebuild(o);
    };
    const first = electronSqliteBinding(options);
    const second = electronSqliteBinding({ ...options });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toHaveLength(0);
    expect(fs.readFileSync(path.join(cacheRootOf(options.userData), 'build.lock'), 'utf8')).toBe(String(process.pid));
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(cachedBindingPath(options));
    expect(b).toBe(a);
    expect(calls).toHaveLength(1);
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const { options, calls } = setup();
    fs.mkdirSync(cacheRootOf(options.userData), { recursive: true });
    fs.writeFileSync(path.join(cacheRootOf(options.userData), 'build.lock'), gone);
    expect(await electronSqliteBinding(options)).toBe(cachedBindingPath(options));
    expect(calls).toHaveLength(1);
  });

  it('a lock held by another live process is waited for, up to a limit that names it', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const { options, calls } = setup({ waitMs: 300 });
      fs.mkdirSync(cacheRootOf(options.userData), { recursive: true });
      fs.writeFileSync(path.join(cacheRootOf(options.userData), 'build.lock'), String(other.pid));
      await expect(electronSqliteBinding(options)).rejects.toThrow(`the database module for Electron could not be built: another Perch (pid ${other.pid}) has been building it`);
      expect(calls).toHaveLength(0);

      // When the other one finishes, the waiting launch uses its binding without building.
      const waiting = electronSqliteBinding({ ...options, waitMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const cached = cachedBindingPath(options);
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      fs.copyFileSync(NODE_BINDING, cached);
      expect(await waiting).toBe(cached);
      expect(calls).toHaveLength(0);
    } finally {
      other.kill();
    }
  });

  it('an Electron upgrade builds for the new version and clears the old entry', async () => {
    const { options } = setup();
    const old = await electronSqliteBinding(options);
    const upgraded = setup({ userData: options.userData, electronVersion: '42.0.0', abi: '146' });
    const fresh = await electronSqliteBinding(upgraded.options);
    expect(upgraded.calls).toHaveLength(1);
    expect(fresh).not.toBe(old);
    expect(fs.existsSync(old!)).toBe(false);
    expect(fs.existsSync(fresh!)).toBe(true);
  });
});

describe('the real rebuild runner (a child process, with a stand-in for @electron/rebuild)', () => {
  // In the app the child is Electron in Node mode; here it is this Node, which is what lets the
  // Node-ABI binding pass the runner's load check.
  function standIn(body: string): string {
    const file = path.join(tempDataDir(), 'rebuild-stand-in.mjs');
    fs.writeFileSync(file, `import fs from 'node:fs';\nimport path from 'node:path';\nexport async function rebuild(options) {\n${body}\n}\n`);
    return file;
  }
  const produce = `const release = path.join(options.buildPath, 'node_modules/better-sqlite3/build/Release');
fs.mkdirSync(release, { recursive: true });
fs.copyFileSync(${JSON.stringify(NODE_BINDING)}, path.join(release, 'better_sqlite3.node'));`;

  it('builds through the child and the result lands in the cache', async () => {
    const rebuild = childRebuild({ execPath: process.execPath, rebuildModule: standIn(produce) });
    const { options } = setup({ rebuild });
    expect(await electronSqliteBinding(options)).toBe(cachedBindingPath(options));
  });

  it('a binding the runtime refuses to load is not accepted, with the loader’s reason', async () => {
    const rebuild = childRebuild({
      execPath: process.execPath,
      rebuildModule: standIn(`const release = path.join(options.buildPath, 'node_modules/better-sqlite3/build/Release');
fs.mkdirSync(release, { recursive: true });
fs.writeFileSync(path.join(release, 'better_sqlite3.node'), 'not a shared library');`),
    });
    const { options } = setup({ rebuild });
    const error = (await electronSqliteBinding(options).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^the database module for Electron could not be built: .*better_sqlite3\.node/);
    expect(fs.existsSync(path.dirname(cachedBindingPath(options)))).toBe(false);
  });

  it('offline, node-gyp’s header download failure becomes one sentence', async () => {
    // What @electron/rebuild 4.2 prints here when node-gyp cannot fetch Electron's headers.
    const rebuild = childRebuild({
      execPath: process.execPath,
      rebuildModule: standIn(`console.error('Error: This is most likely not a problem with node-gyp or the package itself and\\nis related to network connectivity.');
throw new Error("node-gyp failed to rebuild '" + options.buildPath + "/node_modules/better-sqlite3'");`),
    });
    const { options } = setup({ rebuild });
    await expect(electronSqliteBinding(options)).rejects.toThrow("the database module for Electron could not be built: Electron's headers could not be downloaded (it needs the network once)");
  });

  it('names a missing compiler or Python, and otherwise the build’s own error', () => {
    expect(failureReason('gyp info it worked\ngyp ERR! stack Error: not found: make\n')).toBe('not found: make (a C++ compiler, make and Python are needed to build it)');
    expect(failureReason('gyp ERR! find Python Could not find any Python installation to use\n')).toBe('Could not find any Python installation to use (a C++ compiler, make and Python are needed to build it)');
    expect(failureReason('noise\nPERCH-REASON: something else broke\n')).toBe('something else broke');
    expect(failureReason('')).toBe('the build failed without saying why');
  });
});

describe('the core with a given native binding', () => {
  const startWith = (nativeBinding: string, dataDir = tempDataDir()) =>
    startCore({
      mode: 'headless',
      env: { PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: '0', PERCH_GATEWAY_TOKEN: TEST_TOKEN },
      consoleLog: false,
      staticDir: null,
      loadKeytar: () => Promise.reject(new Error('no keychain in this test')),
      nativeBinding,
    });

  it('opens its database through that binding', async () => {
    // A copy at its own path, so the loaded library shows which file was used.
    const copy = path.join(tempDataDir(), 'better_sqlite3.node');
    fs.copyFileSync(NODE_BINDING, copy);
    const core = await startWith(copy);
    try {
      const loaded = (process.report.getReport() as { sharedObjects: string[] }).sharedObjects;
      expect(loaded).toContain(copy);
      core.db.exec('CREATE TABLE native_check (x TEXT)');
      core.db.prepare('INSERT INTO native_check VALUES (?)').run('ok');
      expect(core.db.prepare('SELECT x FROM native_check').get()).toEqual({ x: 'ok' });
      expect(sqliteVecVersion(core.db)).toMatch(/^v\d/);
      expect(core.status().domains.store?.status).toBe('ok');
    } finally {
      await core.stop();
    }
  });

  it('a missing binding is named in a clear error, and leaves the data directory usable', async () => {
    const dataDir = tempDataDir();
    const missing = path.join(dataDir, 'nowhere', 'better_sqlite3.node');
    await expect(startWith(missing, dataDir)).rejects.toThrow(`cannot load the SQLite module: ${missing} does not exist`);
    const core = await startWith(NODE_BINDING, dataDir);
    await core.stop();
  });

  it('a file that is not a loadable binding is named with the loader’s reason', async () => {
    const bogus = path.join(tempDataDir(), 'better_sqlite3.node');
    fs.writeFileSync(bogus, 'not a shared library');
    await expect(startWith(bogus)).rejects.toThrow(new RegExp(`^cannot load the SQLite module ${bogus.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .+`));
  });
});
