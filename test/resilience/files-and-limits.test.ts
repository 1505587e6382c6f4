import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Core } from '../../main/core';
import { listNotes, readNote } from '../../main/memory/note-files';
import { ExportRefused, writeExport } from '../../main/privacy/export-file';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';

// Files an attacker on this machine can plant, against a real core: symbolic links in notes/
// (to /etc/passwd, to files and folders outside, swapped in between a check and the read), a NUL
// byte in a note, and a linked exports/ folder or archive name. Nothing outside notes/ may reach
// the index (or the model through recall), and nothing may be written through a link.

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

/** A folder outside the data dir holding secrets a link in notes/ could point at. */
function outsideFolder(): { dir: string; file: string; sub: string } {
  const dir = tempDataDir();
  fs.writeFileSync(path.join(dir, 'secret.md'), '# Secret\nThe vault word is zebracanary.\n');
  fs.mkdirSync(path.join(dir, 'folder'));
  fs.writeFileSync(path.join(dir, 'folder', 'inner.md'), 'The hidden word is quokkalantern.\n');
  return { dir, file: path.join(dir, 'secret.md'), sub: path.join(dir, 'folder') };
}

const SECRETS = ['zebracanary', 'quokkalantern', 'root'];

describe('memory never follows a symbolic link out of notes/', () => {
  let model: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  let notes: string;
  const outside = outsideFolder();
  const search = async (query: string) => (await ws.request('memory.search', { query })).result.items as Array<{ file: string; text: string }>;
  const indexedPaths = () => (core.db.prepare("SELECT path FROM memory_files WHERE source = 'notes' ORDER BY path").all() as { path: string }[]).map((r) => r.path);
  const chunkText = () => (core.db.prepare('SELECT group_concat(text, char(10)) AS t FROM memory_chunks').get() as { t: string | null }).t ?? '';

  beforeAll(async () => {
    model = await startOpenAIServer();
    const dataDir = tempDataDir();
    notes = path.join(dataDir, 'notes');
    fs.mkdirSync(path.join(notes, 'real-folder'), { recursive: true });
    // Planted before start: the start-up scan meets them.
    fs.writeFileSync(path.join(notes, 'real.md'), '# Real\nThe garden gnome is called Bartholomew.\n');
    fs.writeFileSync(path.join(notes, 'real-folder', 'deep.md'), 'The attic ladder creaks.\n');
    fs.symlinkSync('/etc/passwd', path.join(notes, 'passwd.md'));
    fs.symlinkSync(outside.file, path.join(notes, 'outside.md'));
    fs.symlinkSync(outside.sub, path.join(notes, 'linked-folder'));
    fs.symlinkSync(outside.dir, path.join(notes, 'real-folder', 'up.md')); // a link to a folder, named like a note
    fs.symlinkSync(path.join(notes, 'real.md'), path.join(notes, 'inside-link.md')); // points inside: refused too (documented)
    core = await startTestCore({ PERCH_DATA_DIR: dataDir, PERCH_MODEL: `openai:gpt-test@${model.url}/v1` });
    await core.memory.ready();
    ws = await RpcSocket.open(core.gateway.url, auth);
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
    await model.close();
  });

  it('the start-up scan indexes the real notes only', async () => {
    expect(indexedPaths()).toEqual(['real-folder/deep.md', 'real.md']);
    expect((await ws.request('memory.notes')).result.items.map((n: { file: string }) => n.file).sort()).toEqual(['real-folder/deep.md', 'real.md']);
    for (const word of SECRETS) expect(chunkText(), word).not.toContain(word);
    expect((await search('Bartholomew'))[0]).toMatchObject({ file: 'real.md' });
    expect(await search('zebracanary')).toEqual([]);
    expect(await search('quokkalantern')).toEqual([]);
    // A re-index (the same gate) agrees.
    expect((await ws.request('memory.reindex')).result).toMatchObject({ removed: 0 });
    expect(indexedPaths()).toEqual(['real-folder/deep.md', 'real.md']);
  });

  it('the watcher ignores links made while running, to files and to folders', async () => {
    fs.symlinkSync('/etc/passwd', path.join(notes, 'passwd-live.md'));
    fs.symlinkSync(outside.file, path.join(notes, 'real-folder', 'outside-live.md'));
    fs.symlinkSync(outside.sub, path.join(notes, 'linked-live'));
    fs.mkdirSync(path.join(notes, 'new-folder'));
    fs.symlinkSync(outside.file, path.join(notes, 'new-folder', 'x.md'));
    fs.writeFileSync(path.join(notes, 'new-folder', 'fresh.md'), 'The kettle whistles at dawn.\n');
    // The control: the watcher did see this burst (a real note in the same new folder is indexed).
    expect((await eventually(() => search('kettle'), (r) => r.length > 0))[0]).toMatchObject({ file: 'new-folder/fresh.md' });
    await sleep(600); // past the watcher's debounce for every link
    expect(indexedPaths()).toEqual(['new-folder/fresh.md', 'real-folder/deep.md', 'real.md']);
    for (const word of SECRETS) expect(chunkText(), word).not.toContain(word);
  });

  it('a note replaced by a link, or a folder replaced by a linked one, is dropped, never read through', async () => {
    fs.writeFileSync(path.join(notes, 'swap.md'), 'The swap note mentions pelicans.\n');
    await eventually(() => search('pelicans'), (r) => r.length > 0);
    fs.rmSync(path.join(notes, 'swap.md'));
    fs.symlinkSync(outside.file, path.join(notes, 'swap.md'));
    await eventually(async () => indexedPaths(), (p) => !p.includes('swap.md'));
    expect(indexedPaths()).not.toContain('swap.md');
    expect(await search('pelicans')).toEqual([]);

    fs.mkdirSync(path.join(notes, 'moving'));
    fs.writeFileSync(path.join(notes, 'moving', 'inner.md'), 'Moving folder note about walruses.\n');
    await eventually(() => search('walruses'), (r) => r.length > 0);
    fs.renameSync(path.join(notes, 'moving'), path.join(notes, '.moved-away'));
    fs.symlinkSync(outside.sub, path.join(notes, 'moving')); // moving/inner.md now names the outside file
    expect(await core.memory.indexNote('moving/inner.md')).toBe('removed');
    await eventually(async () => indexedPaths(), (p) => !p.includes('moving/inner.md'));
    expect(indexedPaths()).not.toContain('moving/inner.md');
    for (const word of SECRETS) expect(chunkText(), word).not.toContain(word);
  });

  it('recall never hands the model what a link points at', async () => {
    model.requests.length = 0;
    await ws.request('chat.send', { text: 'What is the vault word zebracanary, and what does Bartholomew do?' });
    const sent = JSON.stringify(model.requests.map((r) => r.body));
    expect(sent).toContain('The garden gnome is called Bartholomew'); // the control: recall works
    expect(sent).not.toContain('The vault word is zebracanary');
  });
});

describe('reading a note refuses a link swapped in between the check and the read', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Swaps `what` for a link to `to` right before note-files opens anything (the race, won by the attacker every time). */
  function swapBeforeOpen(what: string, to: string): void {
    const open = fs.openSync;
    vi.spyOn(fs, 'openSync').mockImplementation(((file: fs.PathLike, ...rest: unknown[]) => {
      if (fs.lstatSync(what, { throwIfNoEntry: false })?.isSymbolicLink() !== true) {
        fs.renameSync(what, `${what}.was`);
        fs.symlinkSync(to, what);
      }
      return (open as (...a: unknown[]) => number)(file, ...rest);
    }) as typeof fs.openSync);
  }

  it('a folder on the way swapped for a link to an outside folder', () => {
    const root = tempDataDir();
    const outside = outsideFolder();
    fs.mkdirSync(path.join(root, 'sub'));
    fs.writeFileSync(path.join(root, 'sub', 'inner.md'), 'harmless\n');
    expect(readNote(root, 'sub/inner.md', 1 << 20)).toMatchObject({ kind: 'note' });
    swapBeforeOpen(path.join(root, 'sub'), outside.sub);
    expect(readNote(root, 'sub/inner.md', 1 << 20)).toEqual({ kind: 'absent', reason: 'outside the notes folder' });
  });

  it('the note itself swapped for a link', () => {
    const root = tempDataDir();
    const outside = outsideFolder();
    fs.writeFileSync(path.join(root, 'note.md'), 'harmless\n');
    swapBeforeOpen(path.join(root, 'note.md'), outside.file);
    expect(readNote(root, 'note.md', 1 << 20)).toEqual({ kind: 'absent', reason: 'a symbolic link' });
  });

  it('listing and reading agree on what a note is', () => {
    const root = tempDataDir();
    const outside = outsideFolder();
    fs.writeFileSync(path.join(root, 'a.md'), 'a\n');
    fs.writeFileSync(path.join(root, 'b.txt'), 'b\n');
    fs.writeFileSync(path.join(root, 'c.json'), '{}');
    fs.writeFileSync(path.join(root, '.hidden.md'), 'h\n');
    fs.symlinkSync(outside.file, path.join(root, 'l.md'));
    fs.symlinkSync(outside.sub, path.join(root, 'ld'));
    fs.symlinkSync('/nonexistent/dangling.md', path.join(root, 'dangling.md'));
    execFileSync('mkfifo', [path.join(root, 'pipe.md')]); // a naive reader would hang on it
    const listed = listNotes(root);
    expect(listed).toEqual(['a.md', 'b.txt']);
    const candidates = ['a.md', 'b.txt', 'c.json', '.hidden.md', 'l.md', 'ld/inner.md', 'dangling.md', 'pipe.md', '../outside.md', '/etc/passwd'];
    expect(candidates.filter((c) => readNote(root, c, 1 << 20).kind === 'note')).toEqual(listed);
  });
});

describe('a NUL byte cannot hide a day of notes', () => {
  let core: Core;
  let ws: RpcSocket;
  let notes: string;
  beforeAll(async () => {
    core = await startTestCore();
    await core.memory.ready();
    ws = await RpcSocket.open(core.gateway.url, auth);
    notes = path.join(core.config.dataDir, 'notes');
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
  });

  it('strips control characters on write (tab, newline and CR aside) and keeps the day indexed', async () => {
    const first = (await ws.request('memory.write', { text: 'The dentist\u0000 is on Tuesday' })).result;
    await ws.request('memory.write', { text: '\u001b[31mred\u001b[0m bells\u0007 and \u0085 whistles\u007f\ttabbed' });
    const tool = (await ws.request('tools.invoke', { name: 'memory_write', args: { text: 'via the tool\u0000\u0001 umbrella' } })).result;
    expect(tool).toMatchObject({ ok: true });
    const raw = fs.readFileSync(path.join(notes, first.file), 'utf8');
    const controls = [...raw].filter((c) => c.charCodeAt(0) < 0x20 ? !'\t\n\r'.includes(c) : c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f);
    expect(controls).toEqual([]);
    expect(raw).toContain('The dentist is on Tuesday');
    expect(raw).toContain('[31mred[0m bells and  whistles\ttabbed');
    for (const word of ['dentist', 'whistles', 'umbrella']) expect((await ws.request('memory.search', { query: word })).result.items[0], word).toMatchObject({ file: first.file });
    expect((await ws.request('memory.status')).result.skipped).toEqual([]);
    // Only control characters: refused as empty, in the chat answered (not a failed turn).
    expect((await ws.request('memory.write', { text: '\u0000\u0001\u0002' })).error).toMatchObject({ code: -32602, data: { field: 'text' } });
    expect((await ws.request('chat.send', { text: '/remember \u0000\u0001' })).result.text).toMatch(/empty/);
  });

  it('a day file that already holds a NUL is cleaned by the next write', async () => {
    const day = new Date().toISOString().slice(0, 10);
    fs.writeFileSync(path.join(notes, `${day}.md`), `# ${day}\n- 09:00 the ferry\u0000 leaves at noon\n`);
    await core.memory.indexNote(`${day}.md`);
    expect((await ws.request('memory.status')).result.skipped).toEqual([{ file: `${day}.md`, reason: 'binary file' }]);
    await ws.request('memory.write', { text: 'the heron returns' });
    expect((await ws.request('memory.search', { query: 'ferry' })).result.items[0]).toMatchObject({ file: `${day}.md` });
    expect((await ws.request('memory.status')).result.skipped).toEqual([]);
  });

  it('names a binary-looking note in memory.status', async () => {
    fs.writeFileSync(path.join(notes, 'blob.md'), Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02]));
    fs.writeFileSync(path.join(notes, 'latin1.md'), Buffer.from('caf\xe9', 'latin1'));
    const status = await eventually(async () => (await ws.request('memory.status')).result, (s) => s.skipped.length === 2);
    expect(status.skipped).toEqual([
      { file: 'blob.md', reason: 'binary file' },
      { file: 'latin1.md', reason: 'not valid UTF-8' },
    ]);
    expect(status.detail).toContain('blob.md: binary file');
    expect((await ws.request('system.status')).result.domains.memory.detail).toContain('blob.md');
  });

  it('replaces a link in the day file’s place instead of reading or writing through it', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const target = path.join(tempDataDir(), 'victim.md');
    fs.writeFileSync(target, 'untouched vault word zebracanary\n');
    fs.rmSync(path.join(notes, `${day}.md`));
    fs.symlinkSync(target, path.join(notes, `${day}.md`));
    await ws.request('memory.write', { text: 'after the link' });
    expect(fs.readFileSync(target, 'utf8')).toBe('untouched vault word zebracanary\n');
    expect(fs.lstatSync(path.join(notes, `${day}.md`)).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(path.join(notes, `${day}.md`), 'utf8')).not.toContain('zebracanary');
    expect((await ws.request('memory.search', { query: 'zebracanary' })).result.items).toEqual([]);
  });
});

describe('export never writes through a link', () => {
  afterEach(() => vi.restoreAllMocks());

  it('refuses a linked exports/ folder from the chat, writing nothing through it', async () => {
    const core = await startTestCore();
    const ws = await RpcSocket.open(core.gateway.url, auth);
    try {
      const { conversationId } = (await ws.request('chat.send', { text: '/help' })).result;
      // The control: a real exports/ folder works.
      expect((await ws.request('chat.send', { text: '/export', conversationId })).result.text).toMatch(/^Exported this conversation/);
      const exportsDir = path.join(core.config.dataDir, 'exports');
      fs.rmSync(exportsDir, { recursive: true });
      const elsewhere = tempDataDir();
      fs.symlinkSync(elsewhere, exportsDir);
      const reply = (await ws.request('chat.send', { text: '/export', conversationId })).result.text as string;
      expect(reply).toMatch(/^Not exported: .*exports is a symbolic link/);
      expect(fs.readdirSync(elsewhere)).toEqual([]);
      // A file in its place is refused the same way.
      fs.rmSync(exportsDir);
      fs.writeFileSync(exportsDir, 'not a folder');
      expect((await ws.request('chat.send', { text: '/export', conversationId })).result.text).toMatch(/^Not exported/);
      expect(fs.readFileSync(exportsDir, 'utf8')).toBe('not a folder');
    } finally {
      ws.close();
      await core.stop();
    }
  });

  it('replaces a link at the archive’s name and refuses one at the temporary name', () => {
    const dir = path.join(tempDataDir(), 'exports');
    fs.mkdirSync(dir);
    const victim = path.join(tempDataDir(), 'victim.txt');
    fs.writeFileSync(victim, 'original');
    fs.symlinkSync(victim, path.join(dir, 'perch-all-1.json'));
    expect(writeExport(dir, 'perch-all-1.json', '{"a":1}')).toBe(path.join(dir, 'perch-all-1.json'));
    expect(fs.readFileSync(victim, 'utf8')).toBe('original');
    expect(fs.lstatSync(path.join(dir, 'perch-all-1.json')).isSymbolicLink()).toBe(false);
    expect(fs.statSync(path.join(dir, 'perch-all-1.json')).mode & 0o777).toBe(0o600);
    // A link planted at the temporary name is removed, not followed.
    fs.symlinkSync(victim, path.join(dir, `.perch-all-2.json.${process.pid}.tmp`));
    writeExport(dir, 'perch-all-2.json', '{"a":2}');
    expect(fs.readFileSync(victim, 'utf8')).toBe('original');
    expect(fs.readFileSync(path.join(dir, 'perch-all-2.json'), 'utf8')).toBe('{"a":2}');
    expect(() => writeExport(dir, '../escape.json', '{}')).toThrow(ExportRefused);
  });

  it('writes into the folder it checked even when exports/ is swapped for a link mid-write', () => {
    const data = tempDataDir();
    const dir = path.join(data, 'exports');
    fs.mkdirSync(dir);
    const elsewhere = tempDataDir();
    const write = fs.writeFileSync;
    vi.spyOn(fs, 'writeFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (!fs.lstatSync(dir).isSymbolicLink()) {
        fs.renameSync(dir, path.join(data, 'exports-checked'));
        fs.symlinkSync(elsewhere, dir);
      }
      return (write as (...a: unknown[]) => void)(file, ...rest);
    }) as typeof fs.writeFileSync);
    writeExport(dir, 'perch-all-3.json', '{"a":3}');
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(fs.readdirSync(path.join(data, 'exports-checked'))).toEqual(['perch-all-3.json']);
  });
});
