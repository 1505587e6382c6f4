import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../main/contract/settings';
import { EventBus } from '../../main/events/bus';
import type { EmbeddingProvider } from '../../main/inference/provider';
import { createLogger } from '../../main/log/logger';
import { Memory } from '../../main/memory/memory';
import { memoryMigrations, MemoryStore } from '../../main/memory/memory-store';
import { openDatabase } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { conceptVector } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart } from '../helpers/serve-process';

// The memory index under stress: a model change, vectors of another size, a damaged vector table,
// and a crash in the middle of indexing.

function embedder(dims = 64, delayMs = 0): EmbeddingProvider & { calls: number } {
  const provider = {
    kind: 'openai' as const,
    model: `concepts-${dims}`,
    calls: 0,
    async embed(texts: string[]) {
      provider.calls++;
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return texts.map((t) => conceptVector(t).slice(0, dims));
    },
    async close() {},
  };
  return provider;
}

function setup(initial: { spec: string | null; provider: EmbeddingProvider }) {
  const dir = tempDataDir();
  const file = path.join(dir, 'perch.db');
  const db = openDatabase(file);
  migrate(db, file, memoryMigrations, '0.0.0');
  const current = { ...initial };
  const bus = new EventBus();
  const progress: unknown[] = [];
  bus.subscribe((event, payload) => event === 'memory.progress' && progress.push(payload));
  const open = () => {
    const store = new MemoryStore(db);
    const memory = new Memory({
      store,
      notesDir: path.join(dir, 'notes'),
      log: createLogger({ dir: null, level: 'error', console: false }),
      bus,
      embedSpec: () => current.spec,
      embedder: async () => current.provider,
      settings: () => defaultSettings().memory,
      transcript: () => [],
    });
    return { store, memory };
  };
  return { db, ...open(), reopen: open, current, progress, notes: path.join(dir, 'notes') };
}

const settle = async (memory: Memory, check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  return check();
};

describe('the memory index', () => {
  it('re-embeds in the background after a model change, with progress, and search works meanwhile', async () => {
    const first = embedder(64);
    const { store, memory, current, progress, notes } = setup({ spec: 'openai:a@x', provider: first });
    memory.start();
    await memory.ready();
    for (let i = 0; i < 40; i++) {
      fs.writeFileSync(path.join(notes, `n${i}.md`), `Note ${i}: the spare key number ${i} is under pot ${i}.\n`);
      await memory.indexNote(`n${i}.md`);
    }
    expect(store.vectors()).toEqual({ model: 'openai:a@x', dim: 64 });

    current.spec = 'openai:b@x';
    current.provider = embedder(48, 20); // slower, and another size
    const during = await memory.search('spare key', { limit: 3 });
    expect(during.items.length).toBe(3); // by keyword while the vectors catch up
    memory.embedPending();
    expect(await settle(memory, () => store.vectors()?.model === 'openai:b@x' && store.counts().embedded === store.counts().chunks)).toBe(true);
    expect(store.vectors()).toEqual({ model: 'openai:b@x', dim: 48 });
    expect(progress.at(-1)).toEqual({ embedded: store.counts().chunks, total: store.counts().chunks, done: true });
    expect((await memory.search('backup keys', { limit: 1 })).mode).toBe('hybrid');
    await memory.close();
  });

  it('serves repeated texts from the embedding cache', async () => {
    const provider = embedder(64);
    const { memory, notes } = setup({ spec: 'openai:a@x', provider });
    memory.start();
    await memory.ready();
    fs.writeFileSync(path.join(notes, 'a.md'), 'The same sentence.\n');
    await memory.indexNote('a.md');
    const calls = provider.calls;
    fs.writeFileSync(path.join(notes, 'b.md'), 'The same sentence.\n');
    await memory.indexNote('b.md');
    expect(provider.calls).toBe(calls);
    await memory.close();
  });

  it('starts the vectors afresh when the model answers with another size, without a crashed search', async () => {
    const { store, memory, current } = setup({ spec: 'openai:a@x', provider: embedder(64) });
    memory.start();
    await memory.ready();
    await memory.write('The car is in the garage.');
    current.provider = embedder(32); // same name, vectors of another size
    const result = await memory.search('car garage', { limit: 1 });
    expect(result.items[0]?.text).toContain('The car is in the garage.');
    expect(await settle(memory, () => store.vectors()?.dim === 32 && store.counts().embedded === store.counts().chunks)).toBe(true);
    await memory.close();
  });

  it('answers by keyword when the vector table is damaged, and rebuilds it', async () => {
    const { db, memory: first, reopen } = setup({ spec: 'openai:a@x', provider: embedder(64) });
    first.start();
    await first.ready();
    await first.write('The car is in the garage.');
    await first.close();
    const { value: table } = db.prepare("SELECT value FROM memory_meta WHERE key = 'vec_table'").get() as { value: string };
    db.exec(`DROP TABLE ${table}_vector_chunks00`); // vec0's storage, gone while Perch was off
    const { store, memory } = reopen();
    const result = await memory.search('car garage', { limit: 1 });
    expect(result).toMatchObject({ mode: 'keyword', items: [{ text: expect.stringContaining('The car is in the garage.') }] });
    expect(await settle(memory, () => store.counts().embedded === store.counts().chunks)).toBe(true);
    expect((await memory.search('car garage', { limit: 1 })).mode).toBe('hybrid');
    await memory.close();
  });
});

describe('a crash in the middle of indexing', () => {
  it('leaves a consistent index that catches up after the restart', { timeout: 60_000 }, async () => {
    const dataDir = tempDataDir();
    const notes = path.join(dataDir, 'notes');
    fs.mkdirSync(notes, { recursive: true });
    const FILES = 1500;
    for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(notes, `note-${i}.md`), `# Note ${i}\n\nFact number ${i} about topic${i % 17}.\n\n${'More words here. '.repeat(20)}\n`);
    const env = { PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: String(await freePort()), PERCH_GATEWAY_TOKEN: TEST_TOKEN };
    const dbFile = path.join(dataDir, 'perch.db');
    const indexed = () => {
      if (!fs.existsSync(dbFile)) return 0;
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM memory_files WHERE source = 'notes'").get() as { n: number }).n;
      } catch {
        return 0; // not migrated yet
      } finally {
        db.close();
      }
    };

    let app = spawnServe(env);
    while (indexed() === 0) await new Promise((r) => setTimeout(r, 5));
    app.child.kill('SIGKILL');
    await app.exited;
    const before = indexed();
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(FILES); // it really was cut off part-way

    app = spawnServe(env);
    const ws = await RpcSocket.open((await waitForStart(app)).gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
    const deadline = Date.now() + 30_000;
    let detail = '';
    while (!detail.includes(`${FILES} file(s)`) && Date.now() < deadline) {
      detail = (await ws.request('system.status')).result.domains.memory.detail;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(detail).toContain(`${FILES} file(s)`);
    expect((await ws.request('memory.search', { query: 'fact number 1234' })).result.items[0].file).toBe('note-1234.md');
    ws.close();
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);

    const db = new Database(dbFile, { readonly: true });
    const counts = db.prepare(`SELECT (SELECT count(*) FROM memory_chunks) AS chunks, (SELECT count(*) FROM memory_fts) AS fts,
      (SELECT count(DISTINCT path) FROM memory_chunks) AS withChunks, (SELECT count(*) FROM memory_chunks WHERE path NOT IN (SELECT path FROM memory_files)) AS orphans`).get();
    db.close();
    expect(counts).toEqual({ chunks: FILES, fts: FILES, withChunks: FILES, orphans: 0 });
  });
});
