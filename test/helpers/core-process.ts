import path from 'node:path';
import { spawnNode, type ServeProcess } from './serve-process';

const ROOT = path.resolve(__dirname, '../..');
const ENTRY = path.join(ROOT, 'test/helpers/core-child.ts');

// Vite's module runner loads the TypeScript sources as they are: no bundle in out/ is needed
// (or rebuilt) for these tests, and the process is the core itself, not a launcher around it.
const RUNNER = `const { runnerImport } = await import('vite');
await runnerImport(process.argv[1], { configFile: false, root: ${JSON.stringify(ROOT)}, logLevel: 'error' });`;

/** Starts the core from source in a child process with exactly this environment (plus PATH and HOME). */
export function spawnCoreProcess(env: Record<string, string>): ServeProcess {
  return spawnNode(['--input-type=module', '-e', RUNNER, ENTRY], env, ROOT);
}
