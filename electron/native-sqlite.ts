import fs from 'node:fs';
import path from 'node:path';

// Which better-sqlite3 binding the desktop loads. `npm install` compiles better-sqlite3 for Node's
// ABI, which Electron's main process refuses (NODE_MODULE_VERSION mismatch); tests and `npm run
// serve` need that one. So a desktop run from a clone builds a second copy for Electron once, into
// a cache in Electron's userData, and passes it through better-sqlite3's `nativeBinding` option. A
// packaged app needs none of this: electron-builder already rebuilt the module for Electron.
// No Electron import here (main.ts passes what it knows), so the logic is tested under Node.

/** The subset of @electron/rebuild's options this uses (its `rebuild()` takes exactly these). */
export interface RebuildOptions {
  buildPath: string;
  electronVersion: string;
  arch: string;
  onlyModules: string[];
  force: boolean;
  buildFromSource: boolean;
}

export type RebuildFn = (options: RebuildOptions) => Promise<void>;

export interface NativeSqliteOptions {
  packaged: boolean;
  userData: string;
  electronVersion: string;
  /** process.versions.modules: Electron's NODE_MODULE_VERSION. */
  abi: string;
  platform: NodeJS.Platform;
  arch: string;
  /** The clone's node_modules/better-sqlite3 (its sources are copied for the build). */
  packageDir: string;
  /** Builds better-sqlite3 under buildPath/node_modules for Electron (injected: tests cannot download Electron's headers). */
  rebuild: RebuildFn;
  /** The one line telling the person why this launch takes a minute. */
  say: (line: string) => void;
  /** How long to wait for another launch that is building (default 15 minutes). */
  waitMs?: number;
  pollMs?: number;
}

export const BUILDING_LINE = 'Building the database module for Electron (first desktop launch, about a minute)…';
const BINDING = 'better_sqlite3.node';

export class NativeSqliteError extends Error {
  constructor(reason: string, options?: ErrorOptions) {
    super(`the database module for Electron could not be built: ${reason}`, options);
    this.name = 'NativeSqliteError';
  }
}

/** Where the binding for this Electron lives; the better-sqlite3 version is in the key too, so an upgrade rebuilds. */
export function cachedBindingPath(options: Pick<NativeSqliteOptions, 'userData' | 'electronVersion' | 'abi' | 'platform' | 'arch' | 'packageDir'>): string {
  const version = (JSON.parse(fs.readFileSync(path.join(options.packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const key = `${version}-electron-${options.electronVersion}-abi${options.abi}-${options.platform}-${options.arch}`;
  return path.join(cacheRoot(options.userData), key, BINDING);
}

/** The binding to pass as nativeBinding, or null for better-sqlite3's default (a packaged app). */
export async function electronSqliteBinding(options: NativeSqliteOptions): Promise<string | null> {
  if (options.packaged) return null;
  const cached = cachedBindingPath(options);
  if (fs.existsSync(cached)) return cached;
  const root = cacheRoot(options.userData);
  fs.mkdirSync(root, { recursive: true });
  const lock = await takeBuildLock(path.join(root, 'build.lock'), cached, options.waitMs ?? 15 * 60_000, options.pollMs ?? 500);
  if (!lock) return cached; // another launch built it while this one waited
  try {
    if (fs.existsSync(cached)) return cached;
    options.say(BUILDING_LINE);
    await buildInto(cached, root, options);
    return cached;
  } finally {
    lock.release();
  }
}

function cacheRoot(userData: string): string {
  return path.join(userData, 'native', 'better-sqlite3');
}

async function buildInto(cached: string, root: string, options: NativeSqliteOptions): Promise<void> {
  // Holding the lock, anything else under root but build.lock is left over (an older key, a build
  // cut short by a crash): cleared so the folder does not grow with each Electron upgrade.
  for (const entry of fs.readdirSync(root)) {
    if (entry !== 'build.lock') fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
  const scratch = path.join(root, `build-${process.pid}`);
  const moduleDir = path.join(scratch, 'node_modules', 'better-sqlite3');
  const partial = `${cached}.partial-${process.pid}`;
  try {
    // A copy without build/ (the Node-ABI build stays untouched for tests and `npm run serve`).
    const skip = path.join(options.packageDir, 'build');
    fs.cpSync(options.packageDir, moduleDir, { recursive: true, filter: (source) => source !== skip });
    const version = (JSON.parse(fs.readFileSync(path.join(moduleDir, 'package.json'), 'utf8')) as { version: string }).version;
    fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'perch-native-build', private: true, dependencies: { 'better-sqlite3': version } }));
    try {
      await options.rebuild({ buildPath: scratch, electronVersion: options.electronVersion, arch: options.arch, onlyModules: ['better-sqlite3'], force: true, buildFromSource: true });
    } catch (error) {
      throw new NativeSqliteError((error as Error).message, { cause: error });
    }
    const built = path.join(moduleDir, 'build', 'Release', BINDING);
    if (!fs.existsSync(built)) throw new NativeSqliteError(`the build finished without producing ${BINDING}`);
    // Copied under a temporary name and renamed: a launch never finds a half-written binding.
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.copyFileSync(built, partial);
    fs.renameSync(partial, cached);
  } catch (error) {
    if (error instanceof NativeSqliteError) throw error;
    throw new NativeSqliteError((error as Error).message, { cause: error });
  } finally {
    fs.rmSync(partial, { force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

interface BuildLock {
  release(): void;
}

/**
 * One build at a time: the lock file is created exclusively and holds the builder's pid. A lock
 * whose process is gone is taken over. Returns null when the binding appeared while waiting.
 */
async function takeBuildLock(file: string, cached: string, waitMs: number, pollMs: number): Promise<BuildLock | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return { release: () => fs.rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new NativeSqliteError((error as Error).message, { cause: error });
    }
    const holder = lockHolder(file);
    if (holder === 'stale') {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (fs.existsSync(cached)) return null;
    if (Date.now() > deadline) throw new NativeSqliteError(`another Perch (pid ${holder}) has been building it for ${Math.round(waitMs / 60_000)} minutes; quit it, or delete ${file}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function lockHolder(file: string): string | 'stale' {
  let pid: number;
  let age: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
    age = Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 'stale'; // released between the two calls: try again
  }
  // An empty file is a lock being written this instant, unless it has stayed empty.
  if (!Number.isInteger(pid) || pid <= 0) return age > 60_000 ? 'stale' : '?';
  try {
    process.kill(pid, 0);
    return String(pid);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? String(pid) : 'stale';
  }
}
