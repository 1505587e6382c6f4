import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../contract/settings';
import type { EventBus } from '../events/bus';
import { ModelError, type EmbeddingProvider } from '../inference/provider';
import type { Logger } from '../log/logger';
import { writeFileAtomic } from '../store/atomic-write';
import { chunkMarkdown, CHUNK_CHARS, type Chunk } from './chunker';
import { ftsQuery, ftsText } from './fts-text';
import type { MemorySource, MemoryStore, NewChunk } from './memory-store';
import { EmptyNote, listNotes, NoteNotText, readNote } from './note-files';
import { NotesWatcher } from './notes-watcher';

// What Perch remembers: markdown notes in <data dir>/notes (edited here or in any editor) and
// conversation transcripts, indexed for keyword (FTS5) and meaning (sqlite-vec) search and ranked
// together by reciprocal-rank fusion. Without an embedding model it searches by keyword alone.

/** Bigger files are notes of another kind (exports, logs): skipped, and listed as skipped. */
export const MAX_NOTE_BYTES = 2 * 1024 * 1024;
/** Candidates taken from each side before fusing. */
const CANDIDATES = 50;
/** Reciprocal-rank fusion constant: damps the difference between the very top ranks. */
const RRF_K = 60;
const EMBED_BATCH = 32;

export interface TranscriptMessage {
  id: number;
  role: string;
  text: string;
}

export interface MemoryDeps {
  store: MemoryStore;
  notesDir: string;
  log: Logger;
  bus: EventBus;
  /** The configured embedding model spec, or null for keyword-only. */
  embedSpec: () => string | null;
  embedder: () => Promise<EmbeddingProvider>;
  settings: () => Settings['memory'];
  /** A conversation's messages after a message id, oldest first. */
  transcript: (conversationId: string, afterId: number) => TranscriptMessage[];
  now?: () => Date;
}

export interface SearchHit {
  file: string;
  source: MemorySource;
  startLine: number;
  endLine: number;
  text: string;
  score: number;
  vectorScore: number | null;
  keywordScore: number | null;
}

export interface SearchOptions {
  limit: number;
  sources?: MemorySource[];
  /** Leave out this file's chunks (e.g. the conversation being answered, already in context). */
  exclude?: string;
}

export class EmptyQuery extends Error {}
/** How many skipped files memory.status names. */
const SKIPPED_LISTED = 20;

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

export class Memory {
  private watcher: NotesWatcher | null = null;
  private scanned: Promise<void> = Promise.resolve();
  private embedding: Promise<void> | null = null;
  private embedAgain = false;
  private closed = false;
  private lastEmbedError: string | null = null;
  private readonly transcriptTimers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => Date;

  constructor(private readonly deps: MemoryDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Starts watching the notes and catches up with them in the background (start-up is not held). */
  start(): void {
    fs.mkdirSync(this.deps.notesDir, { recursive: true });
    this.watcher = new NotesWatcher(this.deps.notesDir, (file) => void this.indexNote(file).catch((error: Error) => this.deps.log.warn('could not index a note', { file, error: error.message })), this.deps.log);
    this.watcher.start();
    this.scanned = this.scan()
      .then(() => this.embedPending())
      .catch((error: Error) => this.deps.log.error('could not scan the notes folder', { error: error.message }));
  }

  /** Resolves when the start-up scan of the notes folder is done. */
  ready(): Promise<void> {
    return this.scanned;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.stop();
    for (const timer of this.transcriptTimers.values()) clearTimeout(timer);
    await this.scanned;
    await this.embedding;
  }

  /** Every note file against the index: changed ones re-indexed, deleted ones dropped. */
  async scan(): Promise<{ indexed: number; unchanged: number; removed: number }> {
    const present = new Set(listNotes(this.deps.notesDir));
    let indexed = 0;
    let unchanged = 0;
    for (const file of present) {
      if (this.closed) break;
      if ((await this.indexNote(file)) === 'unchanged') unchanged++;
      else indexed++;
    }
    let removed = 0;
    for (const known of this.deps.store.paths('notes')) {
      if (!present.has(known)) {
        this.deps.store.removeFile(known);
        removed++;
      }
    }
    return { indexed, unchanged, removed };
  }

  /** Drops a conversation's transcript from the index (the conversation was wiped). */
  forgetConversation(conversationId: string): void {
    clearTimeout(this.transcriptTimers.get(conversationId));
    this.transcriptTimers.delete(conversationId);
    const file = `conversation:${conversationId}`;
    if (this.deps.store.file(file)) this.deps.store.removeFile(file);
  }

  /**
   * Drops what the index holds of a conversation's messages up to `lastId` (they were deleted). A
   * dropped chunk that also held newer messages has them indexed again, in the background.
   */
  forgetTranscriptThrough(conversationId: string, lastId: number): void {
    const file = `conversation:${conversationId}`;
    const coveredUntil = this.deps.store.dropChunksThrough(file, lastId);
    if (coveredUntil <= lastId) return;
    const kept = this.deps.transcript(conversationId, lastId).filter((m) => m.id <= coveredUntil);
    // Added beside what is indexed (its progress mark untouched), and only if the conversation is still indexed.
    void this.prepare(transcriptChunks(kept))
      .then((chunks) => this.deps.store.addChunks(file, 'transcripts', chunks))
      .catch((error: Error) => this.deps.log.warn('could not index a transcript again', { conversationId, error: error.message }));
  }

  /** Every note in the folder, newest first, with whether the index has it. */
  notes(): Array<{ file: string; bytes: number; modifiedAt: string; indexed: boolean }> {
    const indexed = new Set(this.deps.store.paths('notes'));
    return listNotes(this.deps.notesDir)
      .flatMap((file) => {
        // Listed notes are regular files (no links), so lstat describes the note itself.
        const stat = fs.lstatSync(path.join(this.deps.notesDir, file), { throwIfNoEntry: false });
        return stat?.isFile() ? [{ file, bytes: stat.size, modifiedAt: stat.mtime.toISOString(), indexed: indexed.has(file) }] : []; // else deleted meanwhile
      })
      .sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt));
  }

  /** Re-checks every note now, then fills in missing vectors in the background. */
  async reindex(): Promise<{ indexed: number; unchanged: number; removed: number }> {
    const result = await this.scan();
    this.embedPending();
    return result;
  }

  get notesDir(): string {
    return this.deps.notesDir;
  }

  /**
   * (Re-)indexes one note by its path relative to the notes folder. What is missing or no note
   * (a symbolic link, a folder, anything outside the folder) is dropped from the index.
   */
  async indexNote(file: string): Promise<'indexed' | 'unchanged' | 'removed' | 'skipped'> {
    const { store } = this.deps;
    const note = readNote(this.deps.notesDir, file, MAX_NOTE_BYTES);
    if (note.kind === 'absent') {
      if (store.file(file)) store.removeFile(file);
      return 'removed';
    }
    if (note.kind === 'too-big') {
      store.skipFile(file, 'notes', `size:${note.size}`, note.size, `larger than ${MAX_NOTE_BYTES / 1024 / 1024} MiB`);
      return 'skipped';
    }
    const bytes = note.bytes;
    const hash = sha256(bytes);
    if (store.file(file)?.hash === hash) return 'unchanged';
    const text = decodeNote(bytes);
    if (typeof text !== 'string') {
      store.skipFile(file, 'notes', hash, bytes.length, text.skipped);
      this.deps.log.info('note skipped', { file, reason: text.skipped });
      return 'skipped';
    }
    const chunks = await this.prepare(chunkMarkdown(text));
    // Read again: an edit that landed while embedding wins, and is indexed by its own event.
    if (store.file(file)?.hash === hash) return 'unchanged';
    store.replaceFile(file, 'notes', hash, bytes.length, chunks);
    return 'indexed';
  }

  /** Indexes a conversation's new messages soon (after a quiet moment: replies come in bursts). */
  noteTranscript(conversationId: string): void {
    if (this.closed) return;
    clearTimeout(this.transcriptTimers.get(conversationId));
    this.transcriptTimers.set(
      conversationId,
      setTimeout(() => {
        this.transcriptTimers.delete(conversationId);
        void this.indexTranscript(conversationId).catch((error: Error) => this.deps.log.warn('could not index a transcript', { conversationId, error: error.message }));
      }, 200),
    );
  }

  async indexTranscript(conversationId: string): Promise<number> {
    const file = `conversation:${conversationId}`;
    const after = Number(this.deps.store.file(file)?.hash ?? 0);
    const messages = this.deps.transcript(conversationId, after);
    const chunks = transcriptChunks(messages);
    if (chunks.length === 0) return 0;
    const last = messages.at(-1)!.id;
    this.deps.store.appendChunks(file, 'transcripts', String(last), await this.prepare(chunks));
    return chunks.length;
  }

  /**
   * Appends a dated note (today's file) and indexes it at once. Control characters are stripped
   * (one NUL would make the whole day's file look binary); a day's file already holding some is
   * cleaned too. A link in the day file's place is replaced, never written or read through.
   */
  async write(text: string): Promise<{ file: string; line: number }> {
    const clean = stripControls(text).trim().replace(/\s*\n\s*/g, ' ');
    if (!clean) throw new EmptyNote('The note is empty (once control characters are left out).');
    const now = this.now();
    const day = now.toISOString().slice(0, 10);
    const file = `${day}.md`;
    const full = path.join(this.deps.notesDir, file);
    fs.mkdirSync(this.deps.notesDir, { recursive: true });
    const found = readNote(this.deps.notesDir, file, MAX_NOTE_BYTES);
    if (found.kind === 'too-big') throw new NoteNotText(`notes/${file} is larger than ${MAX_NOTE_BYTES / 1024 / 1024} MiB: not appended to.`);
    const decoded = found.kind === 'note' ? decodeText(found.bytes) : `# ${day}\n`;
    // Not UTF-8: someone else's file under this name; rewriting it would garble it.
    if (decoded === null) throw new NoteNotText(`notes/${file} is not UTF-8 text: not appended to.`);
    const existing = stripControls(decoded);
    const entry = `- ${now.toISOString().slice(11, 16)} ${clean}`;
    const content = `${existing.replace(/\n*$/, '\n')}${entry}\n`;
    writeFileAtomic(full, content);
    await this.indexNote(file);
    return { file, line: content.trimEnd().split('\n').length };
  }

  /**
   * Forgets a note (by file name) or every note line that mentions the text, with their index
   * rows. Returns what went.
   */
  async forget(what: string): Promise<{ files: string[]; lines: number }> {
    const needle = what.trim();
    const notes = listNotes(this.deps.notesDir);
    const byName = notes.find((f) => f === needle || path.basename(f) === needle);
    if (byName) {
      fs.rmSync(path.join(this.deps.notesDir, byName));
      this.deps.store.removeFile(byName);
      return { files: [byName], lines: 0 };
    }
    const lower = needle.toLowerCase();
    const files: string[] = [];
    let lines = 0;
    for (const file of notes) {
      const full = path.join(this.deps.notesDir, file);
      const note = readNote(this.deps.notesDir, file, MAX_NOTE_BYTES);
      if (note.kind !== 'note') continue;
      const text = decodeNote(note.bytes);
      if (typeof text !== 'string' || !text.toLowerCase().includes(lower)) continue;
      const kept = text.split('\n').filter((line) => !line.toLowerCase().includes(lower));
      lines += text.split('\n').length - kept.length;
      writeFileAtomic(full, kept.join('\n'));
      await this.indexNote(file);
      files.push(file);
    }
    return { files, lines };
  }

  async search(query: string, options: SearchOptions): Promise<{ items: SearchHit[]; mode: 'hybrid' | 'keyword' }> {
    const { store, log } = this.deps;
    const match = ftsQuery(query);
    if (!match) throw new EmptyQuery('The query has no words to search for.');
    const lexical = store.keyword(match, CANDIDATES);
    let semantic: { id: number; distance: number }[] = [];
    let mode: 'hybrid' | 'keyword' = 'keyword';
    const spec = this.deps.embedSpec();
    const vec = store.vectors();
    if (spec && vec?.model === spec) {
      try {
        const [vector] = await this.embed([query]);
        if (vector) {
          semantic = store.nearest(vector, CANDIDATES);
          mode = 'hybrid';
        }
      } catch (error) {
        log.warn('vector search failed; answering by keyword', { error: (error as Error).message });
        // A damaged vector table is rebuilt from the chunks (and the embedding cache) meanwhile.
        if ((error as { code?: string }).code?.startsWith('SQLITE')) {
          store.resetVectors(vec.model, vec.dim);
          this.embedPending();
        }
      }
    }
    const { vectorWeight, keywordWeight } = this.deps.settings();
    const fused = new Map<number, { score: number; vectorScore: number | null; keywordScore: number | null }>();
    const entry = (id: number) => fused.get(id) ?? { score: 0, vectorScore: null, keywordScore: null };
    semantic.forEach(({ id, distance }, rank) => {
      const e = entry(id);
      fused.set(id, { ...e, score: e.score + vectorWeight / (RRF_K + rank + 1), vectorScore: 1 - distance });
    });
    lexical.forEach(({ id, bm25 }, rank) => {
      const e = entry(id);
      fused.set(id, { ...e, score: e.score + keywordWeight / (RRF_K + rank + 1), keywordScore: -bm25 });
    });
    const ranked = [...fused].sort((a, b) => b[1].score - a[1].score);
    const items: SearchHit[] = [];
    for (const [id, s] of ranked) {
      const row = store.chunk(id);
      if (!row || (options.sources && !options.sources.includes(row.source)) || row.path === options.exclude) continue;
      items.push({ file: row.path, source: row.source, startLine: row.start_line, endLine: row.end_line, text: row.text, ...s });
      if (items.length >= options.limit) break;
    }
    return { items, mode };
  }

  /** How search works now, and the files left out of the index by name (the first SKIPPED_LISTED). */
  status(): { mode: 'hybrid' | 'keyword'; detail: string; degraded: boolean; skipped: Array<{ file: string; reason: string }> } {
    const counts = this.deps.store.counts();
    const spec = this.deps.embedSpec();
    const skipped = this.deps.store.skippedFiles(SKIPPED_LISTED);
    const named = skipped.length ? ` (${skipped.slice(0, 3).map((s) => `${s.file}: ${s.reason}`).join('; ')}${counts.skipped > 3 ? '; …' : ''})` : '';
    const size = `${counts.files} file(s), ${counts.chunks} chunk(s)${counts.skipped ? `, ${counts.skipped} skipped${named}` : ''}`;
    if (!spec) return { mode: 'keyword', detail: `keyword-only (no embedding model configured); ${size}`, degraded: false, skipped };
    if (this.lastEmbedError) return { mode: 'keyword', detail: `keyword-only for now: ${this.lastEmbedError}; ${size}`, degraded: true, skipped };
    const pending = counts.chunks - counts.embedded;
    return { mode: 'hybrid', detail: `hybrid with ${spec}; ${size}${pending ? `, ${pending} waiting for vectors` : ''}`, degraded: false, skipped };
  }

  /** Vectors for texts, from the cache or the model (in batches); empty without a model. */
  private async embed(texts: string[]): Promise<(Float32Array | null)[]> {
    const spec = this.deps.embedSpec();
    if (!spec || texts.length === 0) return texts.map(() => null);
    const hashes = texts.map((t) => sha256(t));
    const cached = this.deps.store.cached(spec, hashes);
    const missing = [...new Set(hashes.filter((h) => !cached.has(h)))];
    if (missing.length > 0) {
      const provider = await this.deps.embedder();
      const textOf = new Map(hashes.map((h, i) => [h, texts[i]!]));
      for (let i = 0; i < missing.length; i += EMBED_BATCH) {
        const batch = missing.slice(i, i + EMBED_BATCH);
        const vectors = await provider.embed(batch.map((h) => textOf.get(h)!));
        const entries = batch.map((h, j): [string, Float32Array] => [h, Float32Array.from(vectors[j]!)]);
        this.deps.store.cache(spec, entries);
        for (const [h, v] of entries) cached.set(h, v);
      }
    }
    const vectors = hashes.map((h) => cached.get(h) ?? null);
    this.ensureVectorTable(spec, vectors.find((v) => v)?.length);
    return vectors;
  }

  /** The vector table follows the configured model: another model (or size) starts it afresh. */
  private ensureVectorTable(spec: string, dim: number | undefined): void {
    const vec = this.deps.store.vectors();
    if (!dim || (vec?.model === spec && vec.dim === dim)) return;
    this.deps.log.info('memory vectors start afresh for a new embedding model', { model: spec, dim });
    // Same name, another size: the model behind it changed, and so would every cached vector.
    this.deps.store.dropCachedOtherSizes(spec, dim);
    this.deps.store.resetVectors(spec, dim);
    this.embedPending();
  }

  /** Chunks with their FTS text and, when a model is set and answers, their vectors. */
  private async prepare(chunks: Chunk[]): Promise<NewChunk[]> {
    let vectors: (Float32Array | null)[] = chunks.map(() => null);
    try {
      vectors = await this.embed(chunks.map((c) => c.text));
      this.lastEmbedError = null;
    } catch (error) {
      // Keyword search still finds them; vectors come later from the background job.
      this.lastEmbedError = error instanceof ModelError ? error.message : `the embedding model failed: ${(error as Error).message}`;
    }
    return chunks.map((c, i) => ({ ...c, ftsText: ftsText(c.text), textHash: sha256(c.text), vector: vectors[i] }));
  }

  /**
   * Fills in vectors that are missing (after a model change, or chunks indexed while the model was
   * away), in the background and in batches, with memory.progress events. Search keeps working:
   * chunks without vectors are still found by keyword.
   */
  embedPending(): void {
    if (!this.deps.embedSpec() || this.closed) return;
    if (this.embedding) {
      this.embedAgain = true;
      return;
    }
    this.embedding = (async () => {
      do {
        this.embedAgain = false;
        await this.embedRound();
      } while (this.embedAgain && !this.closed);
    })()
      .catch((error: Error) => {
        this.lastEmbedError = error instanceof ModelError ? error.message : `the embedding model failed: ${error.message}`;
        this.deps.log.warn('memory embedding stopped', { error: error.message });
      })
      .finally(() => (this.embedding = null));
  }

  private async embedRound(): Promise<void> {
    const { store, bus } = this.deps;
    // A model the table was not made for: one vector tells its size, and the table starts afresh.
    if (store.vectors()?.model !== this.deps.embedSpec()) await this.embed(['Perch']);
    const total = store.counts().chunks;
    for (;;) {
      if (this.closed) return;
      const batch = store.unembedded(EMBED_BATCH);
      if (batch.length === 0) break;
      const vectors = await this.embed(batch.map((c) => c.text));
      const items = batch.flatMap((c, i) => (vectors[i] ? [{ id: c.id, vector: vectors[i]! }] : []));
      if (items.length === 0) break;
      store.setVectors(items);
      const counts = store.counts();
      bus.publish('memory.progress', { embedded: counts.embedded, total, done: false });
    }
    this.lastEmbedError = null;
    const counts = store.counts();
    bus.publish('memory.progress', { embedded: counts.embedded, total: counts.chunks, done: true });
  }
}

/** Text of a note, or why it cannot be indexed. */
function decodeNote(bytes: Buffer): string | { skipped: string } {
  if (bytes.subarray(0, 8192).includes(0)) return { skipped: 'binary file' };
  return decodeText(bytes) ?? { skipped: 'not valid UTF-8' };
}

function decodeText(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** C0 and C1 control characters and DEL, except tab, newline and carriage return. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
export const stripControls = (text: string) => text.replace(CONTROLS, '');

/** A transcript's said words (user and assistant) in chunks of about CHUNK_CHARS, by message id. */
function transcriptChunks(messages: TranscriptMessage[]): Chunk[] {
  const chunks: Chunk[] = [];
  let current: TranscriptMessage[] = [];
  let length = 0;
  const flush = () => {
    if (current.length === 0) return;
    chunks.push({ text: current.map((m) => `${m.role}: ${m.text}`).join('\n'), startLine: current[0]!.id, endLine: current.at(-1)!.id });
    current = [];
    length = 0;
  };
  for (const m of messages) {
    if ((m.role !== 'user' && m.role !== 'assistant') || !m.text.trim()) continue;
    if (length + m.text.length > CHUNK_CHARS) flush();
    current.push(m);
    length += m.text.length;
  }
  flush();
  return chunks;
}
