import type { Db } from '../store/database';
import { prepared, transactor, type Prepared } from '../store/prepared';
import type { Migration } from '../store/migrations';
import { VectorSketch } from './vector-sketch';

// The memory index in the one database: indexed files (notes and conversation transcripts) with
// their content hashes, their chunks, an FTS5 table for keywords and a sqlite-vec vec0 table for
// vectors (created for the embedding model's dimension), and an embedding cache keyed by model and
// text hash. A file's rows change in one transaction, so a crash leaves the old or the new version.
// The vector table's name, model and size are kept in memory_meta.

export type MemorySource = 'notes' | 'transcripts';

/** How many of the sketch's leaders are re-scored exactly: enough to settle the top ten. */
const RESCORED = 40;

export const memoryMigrations: Migration[] = [
  {
    domain: 'memory',
    version: 1,
    name: 'memory index',
    up: (db) =>
      db.exec(`
        CREATE TABLE memory_files (
          path TEXT PRIMARY KEY,
          source TEXT NOT NULL CHECK (source IN ('notes', 'transcripts')),
          hash TEXT NOT NULL,
          size INTEGER NOT NULL DEFAULT 0,
          skipped TEXT,
          indexed_at TEXT NOT NULL) STRICT;
        CREATE TABLE memory_chunks (
          id INTEGER PRIMARY KEY,
          path TEXT NOT NULL,
          source TEXT NOT NULL,
          start_line INTEGER NOT NULL,
          end_line INTEGER NOT NULL,
          text TEXT NOT NULL,
          text_hash TEXT NOT NULL,
          embedded INTEGER NOT NULL DEFAULT 0) STRICT;
        CREATE INDEX memory_chunks_by_path ON memory_chunks (path);
        CREATE INDEX memory_chunks_unembedded ON memory_chunks (id) WHERE embedded = 0;
        CREATE VIRTUAL TABLE memory_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
        -- A rowid table: vectors are too big for WITHOUT ROWID rows, which would spill into overflow pages.
        CREATE TABLE memory_embed_cache (
          id INTEGER PRIMARY KEY,
          model TEXT NOT NULL,
          text_hash TEXT NOT NULL,
          vector BLOB NOT NULL,
          UNIQUE (model, text_hash)) STRICT;
        CREATE TABLE memory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      `),
  },
];

export interface NewChunk {
  startLine: number;
  endLine: number;
  text: string;
  /** The text as FTS indexes it. */
  ftsText: string;
  textHash: string;
  vector?: Float32Array | null;
}

export interface ChunkRow {
  id: number;
  path: string;
  source: MemorySource;
  start_line: number;
  end_line: number;
  text: string;
}

export class MemoryStore {
  private readonly sql: Prepared;
  private vec: { model: string; dim: number; table: string } | null;
  /** Loaded from the vector table at the first search, then kept in step with it. */
  private sketch: VectorSketch | null = null;

  constructor(private readonly db: Db) {
    this.sql = prepared(db);
    this.transaction = transactor(db);
    this.vec = this.readVecState();
  }

  readonly transaction: <T>(fn: () => T) => T;

  private readVecState(): { model: string; dim: number; table: string } | null {
    const meta = Object.fromEntries((this.db.prepare('SELECT key, value FROM memory_meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    const dim = Number(meta.vec_dim);
    const table = meta.vec_table && this.db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(meta.vec_table) ? meta.vec_table : null;
    return meta.vec_model && dim > 0 && table ? { model: meta.vec_model, dim, table } : null;
  }

  /** The model and dimension the vector table holds, if any. */
  vectors(): { model: string; dim: number } | null {
    return this.vec && { model: this.vec.model, dim: this.vec.dim };
  }

  /**
   * A fresh vector table for another model (or size), or to replace a damaged one: every chunk
   * needs embedding again. A new name each time, so a table too damaged to drop is only left behind.
   */
  resetVectors(model: string, dim: number): void {
    const old = this.vec?.table ?? 'memory_vec';
    const table = `memory_vec_${Date.now().toString(36)}`;
    this.sql.clear(); // statements on the old table are invalid now
    this.transaction(() => {
      this.db.exec(`CREATE VIRTUAL TABLE ${table} USING vec0(embedding float[${dim}] distance_metric=cosine)`);
      this.db.prepare("INSERT OR REPLACE INTO memory_meta (key, value) VALUES ('vec_model', ?), ('vec_dim', ?), ('vec_table', ?)").run(model, String(dim), table);
      this.db.exec('UPDATE memory_chunks SET embedded = 0');
    });
    this.vec = { model, dim, table };
    this.sketch = new VectorSketch(dim);
    try {
      this.db.exec(`DROP TABLE IF EXISTS ${old}`);
    } catch {
      // damaged beyond dropping: it stays, unused
    }
  }

  file(path: string): { hash: string; skipped: string | null } | null {
    return (this.sql('SELECT hash, skipped FROM memory_files WHERE path = ?').get(path) as { hash: string; skipped: string | null } | undefined) ?? null;
  }

  paths(source: MemorySource): string[] {
    return (this.sql('SELECT path FROM memory_files WHERE source = ?').all(source) as { path: string }[]).map((r) => r.path);
  }

  private deleteChunks(path: string): number[] {
    const ids = (this.sql('SELECT id FROM memory_chunks WHERE path = ?').all(path) as { id: number }[]).map((r) => r.id);
    for (const id of ids) this.deleteChunk(id);
    return ids;
  }

  private deleteChunk(id: number): void {
    this.sql('DELETE FROM memory_fts WHERE rowid = ?').run(id);
    if (this.vec) this.sql(`DELETE FROM ${this.vec.table} WHERE rowid = ?`).run(BigInt(id));
    this.sql('DELETE FROM memory_chunks WHERE id = ?').run(id);
  }

  private insertChunks(path: string, source: MemorySource, chunks: NewChunk[]): [number, Float32Array][] {
    const added: [number, Float32Array][] = [];
    for (const chunk of chunks) {
      const vector = chunk.vector && this.vec && chunk.vector.length === this.vec.dim ? chunk.vector : null;
      const { lastInsertRowid } = this.sql(
        'INSERT INTO memory_chunks (path, source, start_line, end_line, text, text_hash, embedded) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(path, source, chunk.startLine, chunk.endLine, chunk.text, chunk.textHash, vector ? 1 : 0);
      this.sql('INSERT INTO memory_fts (rowid, text) VALUES (?, ?)').run(lastInsertRowid, chunk.ftsText);
      if (vector) {
        this.sql(`INSERT INTO ${this.vec!.table} (rowid, embedding) VALUES (?, ?)`).run(BigInt(lastInsertRowid), Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
        added.push([Number(lastInsertRowid), vector]);
      }
    }
    return added;
  }

  /** The sketch follows the table once the transaction that changed the table has committed. */
  private follow(removed: number[], added: [number, Float32Array][]): void {
    if (!this.sketch) return;
    for (const id of removed) this.sketch.delete(id);
    for (const [id, vector] of added) this.sketch.set(id, vector);
  }

  private upsertFile(path: string, source: MemorySource, hash: string, size: number, skipped: string | null): void {
    this.sql(
      `INSERT INTO memory_files (path, source, hash, size, skipped, indexed_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, size = excluded.size, skipped = excluded.skipped, indexed_at = excluded.indexed_at`,
    ).run(path, source, hash, size, skipped, new Date().toISOString());
  }

  /** A file's new version: its old rows out, the new ones in, in one transaction. */
  replaceFile(path: string, source: MemorySource, hash: string, size: number, chunks: NewChunk[]): void {
    const [removed, added] = this.transaction(() => {
      const gone = this.deleteChunks(path);
      const inserted = this.insertChunks(path, source, chunks);
      this.upsertFile(path, source, hash, size, null);
      return [gone, inserted] as const;
    });
    this.follow(removed, added);
  }

  /** More of a growing file (a transcript): new rows only. */
  appendChunks(path: string, source: MemorySource, hash: string, chunks: NewChunk[]): void {
    const added = this.transaction(() => {
      const inserted = this.insertChunks(path, source, chunks);
      this.upsertFile(path, source, hash, 0, null);
      return inserted;
    });
    this.follow([], added);
  }

  /** More chunks for a file still indexed, leaving its hash alone (false when the file is gone meanwhile). */
  addChunks(path: string, source: MemorySource, chunks: NewChunk[]): boolean {
    const added = this.transaction(() => (this.file(path) ? this.insertChunks(path, source, chunks) : null));
    if (added) this.follow([], added);
    return added !== null;
  }

  /** A file that cannot be indexed: recorded with the reason, and nothing of it searchable. */
  skipFile(path: string, source: MemorySource, hash: string, size: number, reason: string): void {
    const removed = this.transaction(() => {
      const gone = this.deleteChunks(path);
      this.upsertFile(path, source, hash, size, reason);
      return gone;
    });
    this.follow(removed, []);
  }

  /**
   * Drops the chunks of a transcript that hold any message up to `lastId` (older messages were
   * deleted); returns the last message id those chunks covered (newer ones among them need indexing again).
   */
  dropChunksThrough(path: string, lastId: number): number {
    const [removed, coveredUntil] = this.transaction(() => {
      const rows = this.sql('SELECT id, end_line AS endLine FROM memory_chunks WHERE path = ? AND start_line <= ?').all(path, lastId) as { id: number; endLine: number }[];
      for (const { id } of rows) this.deleteChunk(id);
      return [rows.map((r) => r.id), Math.max(0, ...rows.map((r) => r.endLine))] as const;
    });
    this.follow(removed, []);
    return coveredUntil;
  }

  removeFile(path: string): void {
    const removed = this.transaction(() => {
      const gone = this.deleteChunks(path);
      this.sql('DELETE FROM memory_files WHERE path = ?').run(path);
      return gone;
    });
    this.follow(removed, []);
  }

  unembedded(limit: number): { id: number; text: string; textHash: string }[] {
    return this.sql('SELECT id, text, text_hash AS textHash FROM memory_chunks WHERE embedded = 0 ORDER BY id LIMIT ?').all(limit) as {
      id: number;
      text: string;
      textHash: string;
    }[];
  }

  setVectors(items: { id: number; vector: Float32Array }[]): void {
    if (!this.vec) return;
    const { dim, table } = this.vec;
    const added = this.transaction(() => {
      const done: [number, Float32Array][] = [];
      for (const { id, vector } of items) {
        if (vector.length !== dim) continue;
        // The chunk may have been replaced meanwhile: only a row still waiting gets its vector.
        if (this.sql('UPDATE memory_chunks SET embedded = 1 WHERE id = ? AND embedded = 0').run(id).changes === 0) continue;
        this.sql(`INSERT INTO ${table} (rowid, embedding) VALUES (?, ?)`).run(BigInt(id), Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
        done.push([id, vector]);
      }
      return done;
    });
    this.follow([], added);
  }

  cached(model: string, hashes: string[]): Map<string, Float32Array> {
    const found = new Map<string, Float32Array>();
    for (const hash of hashes) {
      const row = this.sql('SELECT vector FROM memory_embed_cache WHERE model = ? AND text_hash = ?').get(model, hash) as { vector: Buffer } | undefined;
      if (row) found.set(hash, new Float32Array(row.vector.buffer.slice(row.vector.byteOffset, row.vector.byteOffset + row.vector.byteLength)));
    }
    return found;
  }

  cache(model: string, entries: [string, Float32Array][]): void {
    this.transaction(() => {
      for (const [hash, v] of entries) {
        this.sql('INSERT OR REPLACE INTO memory_embed_cache (model, text_hash, vector) VALUES (?, ?, ?)').run(model, hash, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      }
    });
  }

  dropCachedOtherSizes(model: string, dim: number): void {
    this.sql('DELETE FROM memory_embed_cache WHERE model = ? AND length(vector) <> ?').run(model, dim * 4);
  }

  /** Best keyword matches first (BM25; lower is better). */
  keyword(match: string, limit: number): { id: number; bm25: number }[] {
    return this.sql('SELECT rowid AS id, bm25(memory_fts) AS bm25 FROM memory_fts WHERE memory_fts MATCH ? ORDER BY bm25 LIMIT ?').all(match, limit) as {
      id: number;
      bm25: number;
    }[];
  }

  /** Nearest vectors first (cosine distance), from the sketch (loaded from the table the first time). */
  nearest(vector: Float32Array, k: number): { id: number; distance: number }[] {
    if (!this.vec) return [];
    if (!this.sketch) {
      const sketch = new VectorSketch(this.vec.dim);
      for (const row of this.db.prepare(`SELECT rowid AS id, embedding FROM ${this.vec.table}`).iterate() as IterableIterator<{ id: number; embedding: Buffer }>) {
        sketch.set(Number(row.id), new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4));
      }
      this.sketch = sketch;
    }
    // The sketch's int8 scores blur near-ties; the leaders are re-scored on their full vectors,
    // read from the embedding cache (a B-tree lookup; vec0's own lookup by rowid is far slower).
    const leaders = this.sketch.nearest(vector, Math.max(k, RESCORED));
    const model = this.vec.model;
    const fetch = this.sql(
      'SELECT e.vector AS embedding FROM memory_chunks c JOIN memory_embed_cache e ON e.model = ? AND e.text_hash = c.text_hash WHERE c.id = ?',
    );
    let qnorm = 0;
    for (let i = 0; i < vector.length; i++) qnorm += vector[i]! * vector[i]!;
    const rescored = leaders.slice(0, RESCORED).map(({ id, distance }) => {
      const row = fetch.get(model, id) as { embedding: Buffer } | undefined;
      if (!row || row.embedding.byteLength !== vector.length * 4) return { id, distance };
      const stored = new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4);
      let dot = 0;
      let norm = 0;
      for (let i = 0; i < stored.length; i++) {
        dot += stored[i]! * vector[i]!;
        norm += stored[i]! * stored[i]!;
      }
      return { id, distance: norm > 0 && qnorm > 0 ? 1 - dot / Math.sqrt(norm * qnorm) : 1 };
    });
    return [...rescored.sort((a, b) => a.distance - b.distance), ...leaders.slice(RESCORED)].slice(0, k);
  }

  /** Exact nearest vectors with sqlite-vec's own scan (the reference the sketch is measured against). */
  nearestExact(vector: Float32Array, k: number): { id: number; distance: number }[] {
    if (!this.vec) return [];
    return this.sql(`SELECT rowid AS id, distance FROM ${this.vec.table} WHERE embedding MATCH ? AND k = ? ORDER BY distance`).all(
      Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength),
      k,
    ) as { id: number; distance: number }[];
  }

  chunk(id: number): ChunkRow | null {
    return (this.sql('SELECT id, path, source, start_line, end_line, text FROM memory_chunks WHERE id = ?').get(id) as ChunkRow | undefined) ?? null;
  }

  /** Files left out of the index, by name and why, in name order. */
  skippedFiles(limit: number): Array<{ file: string; reason: string }> {
    return this.sql('SELECT path AS file, skipped AS reason FROM memory_files WHERE skipped IS NOT NULL ORDER BY path LIMIT ?').all(limit) as Array<{ file: string; reason: string }>;
  }

  counts(): { files: number; skipped: number; chunks: number; embedded: number } {
    return this.sql(
      `SELECT (SELECT count(*) FROM memory_files) AS files, (SELECT count(*) FROM memory_files WHERE skipped IS NOT NULL) AS skipped,
              (SELECT count(*) FROM memory_chunks) AS chunks, (SELECT count(*) FROM memory_chunks WHERE embedded = 1) AS embedded`,
    ).get() as { files: number; skipped: number; chunks: number; embedded: number };
  }
}
