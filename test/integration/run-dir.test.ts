import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';

// Temporary files live in a folder per run: what a killed run left is removed at the next start,
// each command gets its own temporary folder (removed when it ends), and a clean stop leaves none.

describe('the per-run temporary folder', () => {
  it('is cleaned at start and exit, and gives each command a folder of its own', async () => {
    const dataDir = tempDataDir();
    const leftover = path.join(dataDir, 'tmp', 'run-99999', 'exec-abc', 'half-written.bin');
    fs.mkdirSync(path.dirname(leftover), { recursive: true });
    fs.writeFileSync(leftover, 'from a run that was killed');

    const core = await startTestCore({ PERCH_DATA_DIR: dataDir });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    try {
      expect(fs.existsSync(leftover)).toBe(false);
      expect(fs.readdirSync(path.join(dataDir, 'tmp'))).toEqual([`run-${process.pid}`]);
      expect(fs.statSync(path.join(dataDir, 'tmp', `run-${process.pid}`)).mode & 0o777).toBe(0o700);

      await ws.request('events.subscribe', { events: ['approval.requested'] });
      const run = ws.request('tools.invoke', { name: 'exec', args: { command: 'echo "$TMPDIR"; echo scratch > "$TMPDIR/scratch.txt" && cat "$TMPDIR/scratch.txt"' } }, 15_000);
      const { params: approval } = await ws.waitFor((f) => f.method === 'approval.requested');
      await ws.request('approvals.resolve', { id: approval.id, decision: 'approve' });
      const [tmp, said] = ((await run).result.output as string).split('\n');
      expect(path.dirname(tmp!)).toBe(path.join(dataDir, 'tmp', `run-${process.pid}`));
      expect(said).toBe('scratch');
      expect(fs.existsSync(tmp!)).toBe(false); // removed when the command ended
    } finally {
      ws.close();
      await core.stop();
    }
    expect(fs.existsSync(path.join(dataDir, 'tmp'))).toBe(false);
  });
});
