import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineTool, type ToolResult } from './registry';

// The `exec` tool: one command line through the system shell, in a working directory (the
// workspace by default), with an environment that carries no secrets, a deadline that kills the
// whole process tree, and output capped before it reaches the model. Dangerous by definition:
// the registry sends every call through the approval gate first.

export interface ExecLimits {
  timeoutMs: number;
  /** Kept per stream for the model; the rest is counted and dropped. */
  maxOutputBytes: number;
}

/** Past this much output the command is stopped: nobody reads gigabytes. */
const RUNAWAY_FACTOR = 64;
/** After SIGTERM, how long a process tree gets before SIGKILL. */
const KILL_GRACE_MS = 2_000;

// Only what programs need to run; tokens, keys and Perch's own variables never reach a command.
const PASSED_ENV = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TERM', 'TZ', 'TMPDIR', 'TEMP', 'TMP',
  'SYSTEMROOT', 'SYSTEMDRIVE', 'COMSPEC', 'PATHEXT', 'WINDIR', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA',
  'PROGRAMDATA', 'PROGRAMFILES', 'PROGRAMFILES(X86)', 'HOMEDRIVE', 'HOMEPATH', 'USERNAME', 'OS',
  'NUMBER_OF_PROCESSORS', 'PROCESSOR_ARCHITECTURE',
]);

export function scrubbedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => PASSED_ENV.has(key.toUpperCase()) || key.startsWith('LC_')));
}

/** The shell and its arguments for one command line on this platform. */
export function shellFor(command: string, platform = process.platform): [string, string[]] {
  if (platform === 'win32') return ['powershell.exe', ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', command]];
  return ['/bin/sh', ['-c', command]];
}

/** Ends a command and everything it started. */
function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore' });
    return;
  }
  try {
    // The command leads its own process group, which outlives the shell if it started
    // background work that still holds the output open.
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  kept = 0;
  total = 0;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const room = this.cap - this.kept;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.kept += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Bytes printed beyond the cap, per stream. */
  droppedStdout: number;
  droppedStderr: number;
  /** Why the command was stopped, if it was. */
  stopped: string | null;
}

/** `tmpDir`: the command's own temporary folder (TMPDIR, TMP and TEMP point there). */
export function runCommandLine(command: string, cwd: string, limits: ExecLimits, signal?: AbortSignal, tmpDir?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const [shell, args] = shellFor(command);
    const child = spawn(shell, args, {
      cwd,
      env: { ...scrubbedEnv(), ...(tmpDir ? { TMPDIR: tmpDir, TMP: tmpDir, TEMP: tmpDir } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const stdout = new CappedBuffer(limits.maxOutputBytes);
    const stderr = new CappedBuffer(limits.maxOutputBytes);
    let stopped: string | null = null;
    let grace: NodeJS.Timeout | undefined;
    const stop = (reason: string) => {
      if (stopped) return;
      stopped = reason;
      killTree(child, 'SIGTERM');
      grace = setTimeout(() => killTree(child, 'SIGKILL'), KILL_GRACE_MS);
    };
    const runaway = limits.maxOutputBytes * RUNAWAY_FACTOR;
    const collect = (into: CappedBuffer) => (chunk: Buffer) => {
      into.push(chunk);
      if (stdout.total + stderr.total > runaway) stop(`printed more than ${formatBytes(runaway)}`);
    };
    child.stdout!.on('data', collect(stdout));
    child.stderr!.on('data', collect(stderr));
    const deadline = setTimeout(() => stop(`timed out after ${+(limits.timeoutMs / 1000).toFixed(1)} s`), limits.timeoutMs);
    const onAbort = () => stop('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      clearTimeout(deadline);
      reject(new Error(`could not start ${shell}: ${error.message}`));
    });
    // 'close' waits for the output pipes too; a tree member holding them open is killed above.
    child.once('close', (code) => {
      clearTimeout(deadline);
      clearTimeout(grace);
      signal?.removeEventListener('abort', onAbort);
      // Whatever the shell left behind in its group goes with it.
      if (process.platform !== 'win32' && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // none left
        }
      }
      resolve({
        exitCode: code,
        stdout: stdout.text(),
        stderr: stderr.text(),
        droppedStdout: stdout.total - stdout.kept,
        droppedStderr: stderr.total - stderr.kept,
        stopped,
      });
    });
  });
}

/** What the model reads: plain output when all went well, everything else labelled. */
export function formatExecResult(r: ExecResult): string {
  const parts = [r.stdout.replace(/\n$/, '')];
  if (r.droppedStdout > 0) parts.push(`[… ${formatBytes(r.droppedStdout)} more of stdout not shown]`);
  if (r.stderr) parts.push(`[stderr]\n${r.stderr.replace(/\n$/, '')}`);
  if (r.droppedStderr > 0) parts.push(`[… ${formatBytes(r.droppedStderr)} more of stderr not shown]`);
  if (r.stopped) parts.push(`[stopped: ${r.stopped}]`);
  if (r.exitCode !== 0) parts.push(`[exit code ${r.exitCode ?? 'none (killed)'}]`);
  return parts.filter((p) => p !== '').join('\n');
}

const formatBytes = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`);

export const execArgsSchema = z.strictObject({
  command: z.string().trim().min(1, 'the command is empty').max(8_000),
  cwd: z.string().min(1).max(4_096).optional(),
});
export type ExecArgs = z.output<typeof execArgsSchema>;

/** The working directory a call will run in: absolute, relative to the workspace, or the workspace. */
export const resolveCwd = (workspace: string, cwd: string | undefined) => (cwd ? path.resolve(workspace, cwd) : workspace);

/** `tempRoot`: where each command gets a temporary folder of its own, removed when it ends. */
export function execTool(workspace: string, limits: () => ExecLimits, tempRoot?: string) {
  return defineTool({
    name: 'exec',
    description:
      'Run a shell command on the owner\'s computer (sh on macOS/Linux, PowerShell on Windows). The owner must approve ' +
      'each command unless a rule allows it; you get its output, or learn that it was denied or expired. cwd defaults to ' +
      'the workspace folder.',
    schema: execArgsSchema,
    danger: true,
    // The command keeps its own deadline (and kills its process tree); this only backs it up.
    get timeoutMs() {
      return limits().timeoutMs + KILL_GRACE_MS + 1_000;
    },
    async run({ command, cwd }, ctx): Promise<ToolResult> {
      const dir = resolveCwd(workspace, cwd);
      fs.mkdirSync(workspace, { recursive: true });
      if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`the working directory ${dir} does not exist`);
      const tmp = tempRoot ? fs.mkdtempSync(path.join(tempRoot, 'exec-')) : undefined;
      try {
        const result = await runCommandLine(command, dir, limits(), ctx.signal, tmp);
        return { output: formatExecResult(result), exitCode: result.exitCode };
      } finally {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      }
    },
  });
}
