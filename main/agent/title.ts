// A conversation's automatic title: the first line of its first message, short enough for a list.

export const TITLE_LENGTH = 60;

/** The first non-empty line, whitespace collapsed, cut at a word boundary to about 60 characters. */
export function titleFrom(text: string): string {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .find((l) => l.length > 0);
  if (!line) return '';
  const chars = [...line]; // by code point: an emoji is not cut in half
  if (chars.length <= TITLE_LENGTH) return line;
  const head = chars.slice(0, TITLE_LENGTH).join('');
  // Back to the last space, unless that leaves too little (one very long word).
  const space = head.lastIndexOf(' ');
  const cut = space >= TITLE_LENGTH / 2 ? head.slice(0, space) : head;
  return `${cut.replace(/[\s,;:.-]+$/, '')}…`;
}
