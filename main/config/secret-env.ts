import fs from 'node:fs';

// Secrets passed in the environment stay readable by every process of this user through
// /proc/<pid>/environ (an approved `cat /proc/$PPID/environ`), and by every child that inherits
// process.env. Once the configuration is read they are removed from process.env and, on Linux,
// overwritten in the original environment block: /proc/<pid>/environ shows that memory
// (env_start..env_end of /proc/self/stat), which unsetenv never touches.

/** Every environment variable Perch reads that holds a secret. */
export const SECRET_ENV_VARS = ['PERCH_GATEWAY_TOKEN', 'PERCH_OPENAI_API_KEY', 'PERCH_TELEGRAM_TOKEN'] as const;

export interface ScrubReport {
  /** Names removed from process.env. */
  removed: string[];
  /** Names whose value was overwritten in the original environment block. */
  wiped: string[];
  /** Why the block could not be rewritten (no /proc, EPERM…); null when it was, or had nothing to wipe. */
  error: string | null;
}

export function scrubSecretEnv(names: readonly string[] = SECRET_ENV_VARS, platform: NodeJS.Platform = process.platform): ScrubReport {
  const removed = names.filter((name) => name in process.env);
  for (const name of removed) delete process.env[name];
  if (platform !== 'linux') return { removed, wiped: [], error: null };
  try {
    return { removed, wiped: wipeEnvironBlock(names), error: null };
  } catch (error) {
    return { removed, wiped: [], error: (error as Error).message };
  }
}

/** Fields 50 and 51 of /proc/self/stat; the name field (2) may hold spaces, so count after its ')'. */
export function environBounds(stat: string): { start: number; end: number } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[50 - 3]);
  const end = Number(fields[51 - 3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) throw new Error('no environment bounds in /proc/self/stat');
  return { start, end };
}

function wipeEnvironBlock(names: readonly string[]): string[] {
  const { start, end } = environBounds(fs.readFileSync('/proc/self/stat', 'utf8'));
  // A process may write its own memory through /proc/self/mem, whatever the page protection.
  const fd = fs.openSync('/proc/self/mem', 'r+');
  try {
    const block = Buffer.alloc(end - start);
    fs.readSync(fd, block, 0, block.length, start);
    const wiped: string[] = [];
    for (let at = 0; at < block.length; ) {
      const stop = block.indexOf(0, at);
      const entryEnd = stop === -1 ? block.length : stop;
      const eq = block.indexOf(0x3d, at);
      if (eq !== -1 && eq < entryEnd && eq + 1 < entryEnd) {
        const name = block.toString('utf8', at, eq);
        if (names.includes(name)) {
          // Zeros rather than a filler: the value's length is not left behind either.
          const zeros = Buffer.alloc(entryEnd - eq - 1);
          fs.writeSync(fd, zeros, 0, zeros.length, start + eq + 1);
          wiped.push(name);
        }
      }
      at = entryEnd + 1;
    }
    return wiped;
  } finally {
    fs.closeSync(fd);
  }
}
