// Shared by the approval analysis (its notes) and the dashboard (which shows each one in the command).
// Characters that make a command line read differently from what runs: extra lines (a terminal or
// a chat bubble may show only the first), carriage returns that overwrite what was shown,
// zero-width characters, bidirectional overrides that reorder the text, other control characters
// and lookalike spaces.

const NAMES: Record<number, string> = {
  0x00a0: 'no-break space',
  0x00ad: 'soft hyphen',
  0x061c: 'Arabic letter mark',
  0x180e: 'Mongolian vowel separator',
  0x200b: 'zero width space',
  0x200c: 'zero width non-joiner',
  0x200d: 'zero width joiner',
  0x200e: 'left-to-right mark',
  0x200f: 'right-to-left mark',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2060: 'word joiner',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
  0xfeff: 'zero width no-break space',
  0x1b: 'escape',
  0x7f: 'delete',
};

// Format (Cf) and control (Cc) characters other than tab and line ends, line and paragraph
// separators, and every space that is not a plain one.
export const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}]|[^\P{Cc}\t\n\r]|[^\P{Zs} ]/gu;

const INVISIBLE_ONE = new RegExp(`^(${INVISIBLE.source})$`, 'u');

/** Its name, for a note or a tooltip. */
export function nameOf(char: string): string {
  const cp = char.codePointAt(0)!;
  return NAMES[cp] ?? (cp < 0x20 || (cp >= 0x80 && cp < 0xa0) ? 'control character' : 'invisible character');
}

export const codeOf = (char: string): string => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

export interface HiddenCharacter {
  /** 1-based, in characters. */
  position: number;
  code: string;
  name: string;
}

export function hiddenCharacters(text: string): HiddenCharacter[] {
  const found: HiddenCharacter[] = [];
  for (const match of text.matchAll(INVISIBLE)) {
    found.push({ position: [...text.slice(0, match.index)].length + 1, code: codeOf(match[0]), name: nameOf(match[0]) });
  }
  return found;
}

/** The text with every hidden character spelled out as ‹U+XXXX›. */
export const spellOut = (text: string): string => text.replace(INVISIBLE, (c) => `‹${codeOf(c)}›`);

/** The same, with line ends shown too: safe inside a one-line note. */
export const visible = (text: string): string => spellOut(text.replace(/\r\n|\r|\n/g, ' ⏎ '));

export type TextPart = { kind: 'text' | 'break'; text: string } | { kind: 'hidden'; text: string; code: string; name: string };

const PARTS = new RegExp(`(\\r\\n|\\r|\\n|${INVISIBLE.source})`, 'u');

/** The text cut into plain runs, line breaks and hidden characters, for drawing each one. */
export function partsOf(text: string): TextPart[] {
  return text
    .split(PARTS)
    .filter((part) => part !== '')
    .map((part): TextPart => (/^(\r\n|\r|\n)$/.test(part) ? { kind: 'break', text: part } : INVISIBLE_ONE.test(part) ? { kind: 'hidden', text: part, code: codeOf(part), name: nameOf(part) } : { kind: 'text', text: part }));
}

/** The lines of a command line, split where a terminal or the shell would start a new one. */
export const linesOf = (text: string): string[] => text.split(/\r\n|\r|\n/);
