// Markdown into chunks of about 400 tokens for the index: split on headings and paragraphs, a
// fenced code block never cut, and one block of overlap carried into the next chunk so a fact on
// a boundary is found from either side. Line numbers are 1-based and inclusive.

export interface Chunk {
  text: string;
  startLine: number;
  endLine: number;
}

/** About 400 tokens at four characters a token. */
export const CHUNK_CHARS = 1600;
/** The last block of a chunk is repeated at the start of the next when it is at most this long. */
const OVERLAP_CHARS = 400;

interface Block {
  lines: string[];
  start: number;
  heading: boolean;
  code: boolean;
}

const FENCE = /^\s{0,3}(```|~~~)/;

function blocks(text: string): Block[] {
  const lines = text.split(/\r?\n/);
  const out: Block[] = [];
  let current: Block | null = null;
  let fence: string | null = null;
  const flush = () => {
    if (current && current.lines.some((l) => l.trim() !== '')) out.push(current);
    current = null;
  };
  lines.forEach((line, i) => {
    const number = i + 1;
    if (fence) {
      current!.lines.push(line);
      if (line.trim().startsWith(fence)) {
        fence = null;
        flush();
      }
      return;
    }
    const opening = FENCE.exec(line);
    if (opening) {
      flush();
      fence = opening[1]!;
      current = { lines: [line], start: number, heading: false, code: true };
      return;
    }
    if (/^\s{0,3}#{1,6}\s/.test(line)) {
      flush();
      out.push({ lines: [line], start: number, heading: true, code: false });
      return;
    }
    if (line.trim() === '') {
      flush();
      return;
    }
    current ??= { lines: [], start: number, heading: false, code: false };
    current.lines.push(line);
  });
  flush(); // an unclosed fence runs to the end of the file, as markdown renders it
  return out;
}

/** A paragraph too long for one chunk is cut between lines, or inside one very long line. */
function pieces(block: Block): Block[] {
  const size = block.lines.join('\n').length;
  if (block.code || size <= CHUNK_CHARS) return [block];
  const out: Block[] = [];
  let lines: string[] = [];
  let start = block.start;
  let length = 0;
  block.lines.forEach((line, i) => {
    const number = block.start + i;
    if (line.length > CHUNK_CHARS) {
      if (lines.length) out.push({ lines, start, heading: false, code: false });
      for (let at = 0; at < line.length; at += CHUNK_CHARS) out.push({ lines: [line.slice(at, at + CHUNK_CHARS)], start: number, heading: false, code: false });
      lines = [];
      length = 0;
      start = number + 1;
      return;
    }
    if (length + line.length > CHUNK_CHARS && lines.length) {
      out.push({ lines, start, heading: false, code: false });
      lines = [];
      length = 0;
      start = number;
    }
    lines.push(line);
    length += line.length + 1;
  });
  if (lines.length) out.push({ lines, start, heading: false, code: false });
  return out;
}

export function chunkMarkdown(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Block[] = [];
  let size = 0;
  const flush = () => {
    if (current.length === 0 || current.every((b) => b.heading)) return;
    const last = current.at(-1)!;
    chunks.push({
      text: current.map((b) => b.lines.join('\n')).join('\n\n'),
      startLine: current[0]!.start,
      endLine: last.start + last.lines.length - 1,
    });
    const carry = last.lines.join('\n').length <= OVERLAP_CHARS && !last.heading ? [last] : [];
    current = carry;
    size = carry.reduce((n, b) => n + b.lines.join('\n').length + 2, 0);
  };
  for (const block of blocks(text).flatMap(pieces)) {
    const length = block.lines.join('\n').length + 2;
    // A heading starts a new chunk once the current one has some substance.
    if ((block.heading && size > CHUNK_CHARS / 4) || (size + length > CHUNK_CHARS && current.length > 0)) {
      flush();
      if (block.heading) {
        current = [];
        size = 0;
      }
    }
    current.push(block);
    size += length;
  }
  flush();
  return dedupe(chunks);
}

/** Overlap can leave a trailing chunk that is only the carried block: drop it. */
function dedupe(chunks: Chunk[]): Chunk[] {
  return chunks.filter((c, i) => i === 0 || !(c.startLine >= chunks[i - 1]!.startLine && c.endLine <= chunks[i - 1]!.endLine));
}
