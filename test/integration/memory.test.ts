import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// Memory over the gateway: notes written by RPC, by chat command and by an editor, found again by
// keyword and by meaning, after restarts, with the watcher keeping up.

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

/** Polls until the search satisfies the check (the watcher works on its own time). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('memory with an embedding model', () => {
  let server: ModelServer;
  let dataDir: string;
  let core: Core;
  let ws: RpcSocket;
  const start = async () => {
    core = await startTestCore({ PERCH_DATA_DIR: dataDir, PERCH_EMBED_MODEL: `openai:concepts@${server.url}/v1`, PERCH_MODEL: `openai:gpt-test@${server.url}/v1` });
    await core.memory.ready();
    ws = await RpcSocket.open(core.gateway.url, auth);
  };
  const stop = async () => {
    ws.close();
    await core.stop();
  };
  const search = async (query: string, extra: Record<string, unknown> = {}) => (await ws.request('memory.search', { query, ...extra })).result;
  beforeAll(async () => {
    server = await startOpenAIServer();
    dataDir = tempDataDir();
    await start();
  });
  afterAll(async () => {
    await stop();
    await server.close();
  });

  it('finds a written note by keyword and by a paraphrase, and after a restart', async () => {
    const written = (await ws.request('memory.write', { text: 'The spare key is hidden under the blue flower pot by the door.' })).result;
    expect(written.file).toMatch(/^\d{4}-\d\d-\d\d\.md$/);
    expect(written.line).toBe(2); // under the day's heading

    const byKeyword = await search('flower pot');
    expect(byKeyword.mode).toBe('hybrid');
    expect(byKeyword.items[0]).toMatchObject({ file: written.file, source: 'notes', startLine: 1, endLine: 2, text: expect.stringContaining('spare key is hidden') });
    expect(byKeyword.items[0].keywordScore).toBeGreaterThan(0);

    // No word in common with the note: only meaning connects them.
    const byMeaning = await search('backup keys stashed beneath planter');
    expect(byMeaning.items[0]).toMatchObject({ file: written.file, keywordScore: null });
    expect(byMeaning.items[0].vectorScore).toBeGreaterThan(0.5);

    await stop();
    await start();
    expect((await search('flower pot')).items[0].file).toBe(written.file);
    expect((await ws.request('system.status')).result.domains.memory).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^hybrid with openai:concepts@/) });
  });

  it('ranks hits that match both ways above hits that match one way', async () => {
    const dir = path.join(dataDir, 'notes', 'corpus');
    fs.mkdirSync(dir, { recursive: true });
    const notes: Record<string, string> = {
      'both.md': 'My car is parked in the garage on Elm Street.', // the keyword and the meaning
      'keyword.md': 'Elm Street has a bakery that sells rye bread.', // the keyword only
      'meaning.md': 'The automobile stays in the carport overnight.', // the meaning only
      'neither.md': 'Remember to water the tomatoes on Sunday.',
    };
    for (const [name, text] of Object.entries(notes)) fs.writeFileSync(path.join(dir, name), `${text}\n`); // a new folder, found by the watcher
    const found = await eventually(
      () => search('where is the car parked on Elm Street', { limit: 4 }),
      (r) => r.items.filter((i: any) => i.file.startsWith('corpus')).length >= 3,
    );
    const ranked = found.items.map((i: any) => path.basename(i.file)).filter((f: string) => Object.hasOwn(notes, f));
    expect(ranked[0]).toBe('both.md');
    expect(ranked).toEqual(expect.arrayContaining(['keyword.md', 'meaning.md']));
    expect(ranked.indexOf('neither.md') === -1 || ranked.indexOf('neither.md') > ranked.indexOf('meaning.md')).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });

  it('follows a note edited and deleted in an editor, within seconds', async () => {
    const file = path.join(dataDir, 'notes', 'wifi.md');
    fs.writeFileSync(file, '# Wi-Fi\n\nThe guest network password is tangerine42.\n');
    let hit = await eventually(() => search('guest network password'), (r) => r.items.some((i: any) => i.text.includes('tangerine42')));
    expect(hit.items[0].text).toContain('tangerine42');

    // An editor's save: a temporary file renamed over the note.
    fs.writeFileSync(`${file}.swp`, '# Wi-Fi\n\nThe guest network password is now marmalade7.\n');
    fs.renameSync(`${file}.swp`, file);
    hit = await eventually(() => search('guest network password'), (r) => r.items[0]?.text.includes('marmalade7'));
    expect(hit.items[0].text).toContain('marmalade7');
    expect(hit.items.some((i: any) => i.text.includes('tangerine42'))).toBe(false);

    fs.rmSync(file);
    hit = await eventually(() => search('marmalade7'), (r) => !r.items.some((i: any) => i.file === 'wifi.md'));
    expect(hit.items.some((i: any) => i.file === 'wifi.md')).toBe(false);
  });

  it('remembers and forgets from a chat, and gives the agent the note when asked about it', async () => {
    expect((await ws.request('chat.send', { text: '/remember The dentist appointment is on Friday at 3 pm.' })).result.text).toMatch(/^Remembered \(notes\/\d{4}-\d\d-\d\d\.md, line \d+\)\.$/);
    await ws.request('chat.send', { text: 'When is my dentist appointment?' });
    const system = server.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body.messages[0].content as string;
    expect(system).toMatch(/What you remember that may help \(cite the source when you use it\):\n- \[\d{4}-\d\d-\d\d\.md:\d+-\d+\] [^\n]*The dentist appointment is on Friday at 3 pm\./);
    expect(system).not.toContain('When is my dentist appointment'); // its own question is not recalled

    expect((await ws.request('chat.send', { text: '/forget dentist appointment' })).result.text).toMatch(/^Forgot 1 line in \d{4}-\d\d-\d\d\.md\.$/);
    expect((await search('dentist')).items.some((i: any) => i.source === 'notes' && i.text.includes('dentist'))).toBe(false);
    expect((await ws.request('chat.send', { text: '/forget unicorns' })).result.text).toBe('Nothing in your notes mentions "unicorns".');
  });

  it('indexes conversations as they grow', async () => {
    const reply = (await ws.request('chat.send', { text: 'Our anniversary dinner is booked at Luigi on the ninth.' })).result;
    // Each chat.send without an id is a conversation of its own, with its own transcript: the
    // earlier tests' conversations are indexed too (and meaning search finds something in them).
    const file = `conversation:${reply.conversationId}`;
    const hit = await eventually(() => search('Luigi', { sources: ['transcripts'] }), (r) => r.items.some((i: any) => i.file === file));
    expect(hit.items[0]).toMatchObject({ file, source: 'transcripts', text: expect.stringContaining('user: Our anniversary dinner is booked at Luigi') });
  });

  it('answers bad queries and bad files safely', async () => {
    expect((await ws.request('memory.search', { query: '   ' })).error).toMatchObject({ code: -32602 });
    expect((await ws.request('memory.search', { query: '?!' })).error).toMatchObject({ code: -32602, message: 'The query has no words to search for.' });
    expect((await ws.request('memory.search', { query: '(((' })).error.message).toBe('The query has no words to search for.');
    for (const query of ['"unbalanced', 'spare*', 'key NEAR pot', '-key', 'AND OR NOT', 'col:umn', 'NEAR(a b)']) {
      const result = await ws.request('memory.search', { query });
      expect(result.error, query).toBeUndefined();
    }
    const notes = path.join(dataDir, 'notes');
    fs.writeFileSync(path.join(notes, 'binary.md'), Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02, 0xff]));
    fs.writeFileSync(path.join(notes, 'latin1.md'), Buffer.from('caf\xe9 cr\xe8me', 'latin1'));
    fs.writeFileSync(path.join(notes, 'huge.md'), 'x'.repeat(3 * 1024 * 1024));
    const status = await eventually(
      async () => (await ws.request('system.status')).result.domains.memory.detail as string,
      (detail) => /3 skipped/.test(detail),
    );
    expect(status).toMatch(/3 skipped/);
    expect((await search('flower pot')).items[0].file).toMatch(/\.md$/); // search still works
  });
});

describe('memory without an embedding model', () => {
  it('searches by keyword, says so, and handles CJK text', async () => {
    const core = await startTestCore();
    const ws = await RpcSocket.open(core.gateway.url, auth);
    try {
      await ws.request('memory.write', { text: '東京の友達の誕生日は五月です。' });
      await ws.request('memory.write', { text: 'Der Schlüssel liegt unter der Fußmatte.' });
      expect((await ws.request('system.status')).result.domains.memory).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^keyword-only \(no embedding model configured\)/) });
      const cjk = (await ws.request('memory.search', { query: '誕生日' })).result;
      expect(cjk.mode).toBe('keyword');
      expect(cjk.items[0].text).toContain('東京の友達の誕生日は五月です。');
      expect((await ws.request('memory.search', { query: 'schlussel' })).result.items[0].text).toContain('Schlüssel'); // diacritics folded
      expect((await ws.request('memory.search', { query: '大阪' })).result.items).toEqual([]);
    } finally {
      ws.close();
      await core.stop();
    }
  });
});

describe('memory with a local llama embedding model', () => {
  it('embeds with node-llama-cpp and finds the note by its own words through the vectors', { timeout: 60_000 }, async () => {
    const model = path.join(tempDataDir(), 'embed.gguf');
    writeTinyGguf(model);
    const core = await startTestCore({ PERCH_EMBED_MODEL: `llama:${model}` });
    const ws = await RpcSocket.open(core.gateway.url, auth);
    try {
      const text = 'Grandmother’s lemon cake recipe uses three eggs.';
      await ws.request('memory.write', { text });
      const result = (await ws.request('memory.search', { query: text })).result;
      expect(result.mode).toBe('hybrid');
      expect(result.items[0].text).toContain(text);
      expect(result.items[0].vectorScore).toBeGreaterThan(0);
    } finally {
      ws.close();
      await core.stop();
    }
  });
});

describe('memory status, notes and re-indexing over the gateway', () => {
  it('lists the notes, re-indexes a file changed behind its back, and says how it searches', async () => {
    const core = await startTestCore();
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    try {
      await ws.request('memory.write', { text: 'the spare key is under the blue pot' });
      const status = (await ws.request('memory.status')).result;
      expect(status).toMatchObject({ mode: 'keyword', degraded: false, notesDir: path.join(core.config.dataDir, 'notes') });
      const notes = (await ws.request('memory.notes')).result.items;
      expect(notes).toEqual([{ file: expect.stringMatching(/\.md$/), bytes: expect.any(Number), modifiedAt: expect.any(String), indexed: true }]);
      // Written while nothing watched (as by another program, with the watcher not yet told): reindex finds it.
      fs.writeFileSync(path.join(status.notesDir, 'garden.md'), '# Garden\nThe tomatoes need water every evening.\n');
      const counts = (await ws.request('memory.reindex')).result;
      expect(counts.indexed + counts.unchanged).toBe(2);
      expect((await ws.request('memory.search', { query: 'tomatoes' })).result.items[0]).toMatchObject({ file: 'garden.md' });
      expect((await ws.request('memory.notes')).result.items.map((n: { file: string; indexed: boolean }) => n.indexed)).toEqual([true, true]);
    } finally {
      ws.close();
      await core.stop();
    }
  });
});
