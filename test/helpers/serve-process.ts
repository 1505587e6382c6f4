import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

// Exactly what `npm run serve` runs (it rebuilds first only when a source is newer than the bundle).
export const START_SCRIPT = path.resolve(__dirname, '../../scripts/start.mjs');

export interface ServeProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Runs a Node script as a child process with exactly this environment (plus PATH and HOME), collecting its output. */
export function spawnNode(args: string[], env: Record<string, string>, cwd?: string): ServeProcess {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PERCH_VALIDATE_RESULTS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the headless app as `npm run serve` does, as a real process. */
export function spawnServe(env: Record<string, string>, args: string[] = ['--headless']): ServeProcess {
  return spawnNode([START_SCRIPT, ...args], env);
}

/** Waits until the process printed its dashboard link; returns the gateway and link URLs. */
export async function waitForStart(proc: ServeProcess, timeoutMs = 15_000): Promise<{ gateway: string; dashboard: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gateway = /Gateway:\s+(\S+)/.exec(proc.stdout())?.[1];
    const dashboard = /Dashboard:\s+(\S+)/.exec(proc.stdout())?.[1];
    if (gateway && dashboard) return { gateway, dashboard };
    if (proc.child.exitCode !== null) throw new Error(`serve exited early (${proc.child.exitCode}): ${proc.stderr()}`);
    if (Date.now() > deadline) throw new Error(`serve did not start: ${proc.stdout()} ${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A free TCP port on loopback (for tests that need a fixed port across restarts). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
