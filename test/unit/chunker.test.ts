import { describe, expect, it } from 'vitest';
import { chunkMarkdown, CHUNK_CHARS } from '../../main/memory/chunker';
import { ftsQuery, ftsText } from '../../main/memory/fts-text';

const paragraph = (n: number, words = 60) => Array.from({ length: words }, (_, i) => `word${n}x${i}`).join(' ');

describe('chunking notes', () => {
  it('keeps a short note whole, with its line range', () => {
    expect(chunkMarkdown('# Title\n\nOne fact.\nAnother fact.\n')).toEqual([{ text: '# Title\n\nOne fact.\nAnother fact.', startLine: 1, endLine: 4 }]);
  });

  it('splits on paragraphs near the size limit, with one paragraph of overlap', () => {
    const text = Array.from({ length: 12 }, (_, i) => paragraph(i, 35)).join('\n\n'); // paragraphs short enough to overlap
    const chunks = chunkMarkdown(text);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(CHUNK_CHARS + 600);
    for (let i = 1; i < chunks.length; i++) {
      const lastOfPrevious = chunks[i - 1]!.text.split('\n\n').at(-1)!;
      expect(chunks[i]!.text.startsWith(lastOfPrevious), `chunk ${i} overlaps`).toBe(true);
      expect(chunks[i]!.startLine).toBe(chunks[i - 1]!.endLine); // one line per paragraph here
    }
    // Every paragraph is in some chunk.
    for (let i = 0; i < 12; i++) expect(chunks.some((c) => c.text.includes(paragraph(i, 35)))).toBe(true);
  });

  it('starts a new chunk at a heading once the current one has substance', () => {
    const text = `# One\n\n${paragraph(1, 80)}\n\n# Two\n\n${paragraph(2, 20)}`;
    const chunks = chunkMarkdown(text);
    expect(chunks.map((c) => c.text.split('\n')[0])).toEqual(['# One', '# Two']);
    expect(chunks[1]).toMatchObject({ startLine: 5, endLine: 7 });
  });

  it('never cuts a code block, even a long one', () => {
    const code = ['```ts', ...Array.from({ length: 120 }, (_, i) => `const value${i} = ${i}; // a long line of code here`), '```'].join('\n');
    const text = `${paragraph(1)}\n\n${code}\n\n${paragraph(2)}`;
    const chunks = chunkMarkdown(text);
    const holding = chunks.filter((c) => c.text.includes('```ts'));
    expect(holding.length).toBeGreaterThan(0);
    for (const c of holding) {
      expect(c.text).toContain('const value0 = 0;');
      expect(c.text).toContain('const value119 = 119;');
      expect(c.text.match(/```/g)).toHaveLength(2);
    }
  });

  it('cuts a paragraph too long for one chunk between lines, and one huge line inside it', () => {
    const huge = 'y'.repeat(CHUNK_CHARS * 2 + 10);
    const chunks = chunkMarkdown(`intro\n${huge}\nend`);
    expect(chunks.map((c) => c.text.length).every((n) => n <= CHUNK_CHARS + 600)).toBe(true);
    expect(chunks.map((c) => c.text).join('')).toContain('y'.repeat(CHUNK_CHARS));
    expect(chunks.at(-1)!.text).toContain('end');
  });

  it('has nothing to index in an empty or blank note', () => {
    expect(chunkMarkdown('')).toEqual([]);
    expect(chunkMarkdown('\n\n   \n')).toEqual([]);
  });
});

describe('keyword queries', () => {
  it('quotes every word, so FTS syntax is searched literally', () => {
    expect(ftsQuery('spare* key NEAR "pot" -door')).toBe('"spare" OR "key" OR "near" OR "pot" OR "door"');
    expect(ftsQuery('AND OR NOT')).toBe('"not"'); // operators are words; "and" and "or" are common ones
  });

  it('drops common words unless nothing else is left, and has nothing for no words', () => {
    expect(ftsQuery('where is the car')).toBe('"car"');
    expect(ftsQuery('the')).toBe('"the"');
    expect(ftsQuery('?! ((( "')).toBeNull();
  });

  it('searches CJK words as phrases of their characters', () => {
    expect(ftsText('東京の友達')).toBe(' 東  京  の  友  達 ');
    expect(ftsQuery('東京 birthday')).toBe('"東 京" OR "birthday"');
  });
});
