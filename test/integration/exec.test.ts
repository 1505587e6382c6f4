import { describe, expect, it } from 'vitest';
import { formatExecResult, runCommandLine, scrubbedEnv } from '../../main/tools/exec';
import { tempDataDir } from '../helpers/data-dir';

// The exec tool's process handling, with real shells and real process trees.

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe.skipIf(process.platform === 'win32')('exec', () => {
  const cwd = tempDataDir();
  const limits = { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 };

  it('kills the whole process tree when the deadline passes', async () => {
    const result = await runCommandLine('sleep 30 & echo $!; sh -c "sleep 30 & echo \\$!; wait"', cwd, { ...limits, timeoutMs: 500 });
    expect(result.stopped).toBe('timed out after 0.5 s');
    expect(result.exitCode).toBeNull();
    const pids = result.stdout.trim().split('\n').map(Number);
    expect(pids).toHaveLength(2); // a child and a grandchild, both in the background
    for (const pid of pids) expect(await gone(pid), `pid ${pid}`).toBe(true);
    expect(formatExecResult(result)).toMatch(/\[stopped: timed out after 0\.5 s\]\n\[exit code none \(killed\)\]$/);
  });

  it('keeps only the first part of long output and says how much was left out', async () => {
    // Under the runaway limit (64 × the cap): it runs to the end.
    const result = await runCommandLine('head -c 50000 /dev/zero | tr "\\0" a', cwd, { ...limits, maxOutputBytes: 1024 });
    expect(result.stdout).toBe('a'.repeat(1024));
    expect(result.droppedStdout).toBe(50_000 - 1024);
    expect(formatExecResult(result)).toBe(`${'a'.repeat(1024)}\n[… 47.8 KiB more of stdout not shown]`);
  });

  it('stops a command that prints without end', async () => {
    const result = await runCommandLine('yes', cwd, { ...limits, maxOutputBytes: 1024 });
    expect(result.stopped).toBe('printed more than 64.0 KiB');
    expect(result.stdout.length).toBe(1024);
  });

  it('reports stderr and the exit code', async () => {
    const result = await runCommandLine('echo out; echo oops 1>&2; exit 3', cwd, limits);
    expect(formatExecResult(result)).toBe('out\n[stderr]\noops\n[exit code 3]');
  });

  it('runs without secrets in the environment, in the working directory', async () => {
    const env = { PATH: '/usr/bin:/bin', HOME: '/home/x', LANG: 'C.UTF-8', PERCH_GATEWAY_TOKEN: 'tok', OPENAI_API_KEY: 'sk-1', TELEGRAM_BOT_TOKEN: 't', AWS_SECRET_ACCESS_KEY: 's' };
    expect(scrubbedEnv(env)).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/x', LANG: 'C.UTF-8' });
    process.env.PERCH_TEST_SECRET = 'do-not-leak';
    try {
      const result = await runCommandLine('env; pwd', cwd, limits);
      expect(result.stdout).not.toContain('do-not-leak');
      expect(result.stdout).not.toContain('PERCH_');
      expect(result.stdout.trim().split('\n').at(-1)).toBe(cwd);
    } finally {
      delete process.env.PERCH_TEST_SECRET;
    }
  });
});
