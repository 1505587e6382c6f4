import { describe, expect, it } from 'vitest';
import { CHANNEL_TEXT_LIMIT, chunkReply } from '../../main/channels/reply-chunks';

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');

describe('replies cut to a channel limit', () => {
  it('sends a short reply as it is', () => {
    expect(chunkReply('Hello there.')).toEqual(['Hello there.']);
    expect(chunkReply('   ')).toEqual([]);
  });

  it('cuts a 10,000-character reply between paragraphs, losing nothing', () => {
    const paragraphs = Array.from({ length: 40 }, (_, i) => words(40, `p${i}w`));
    const text = paragraphs.join('\n\n');
    expect(text.length).toBeGreaterThan(10_000);
    const parts = chunkReply(text);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(CHANNEL_TEXT_LIMIT);
    // Every part ends at a paragraph: together they are the paragraphs, in order.
    expect(parts.flatMap((p) => p.split('\n\n'))).toEqual(paragraphs);
  });

  it('closes a code block at a cut and reopens it, with its language, in the next part', () => {
    const code = Array.from({ length: 300 }, (_, i) => `print("line ${i}")`).join('\n');
    const text = `Here is the script:\n\n\`\`\`python\n${code}\n\`\`\`\n\nThat is all.`;
    const parts = chunkReply(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(CHANNEL_TEXT_LIMIT);
      expect((part.match(/^```/gm) ?? []).length % 2, part.slice(0, 60)).toBe(0); // no part leaves a fence open
    }
    expect(parts[1]!.startsWith('```python\n')).toBe(true);
    const lines = parts.join('\n').split('\n').filter((l) => l.startsWith('print('));
    expect(lines).toEqual(code.split('\n'));
    expect(parts.at(-1)!.endsWith('That is all.')).toBe(true);
  });

  it('keeps emoji and other wide characters whole, even in one unbroken run', () => {
    const run = '😀'.repeat(3000); // 6,000 UTF-16 units, no spaces
    const parts = chunkReply(run);
    expect(parts.join('')).toBe(run);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(CHANNEL_TEXT_LIMIT);
    expect(parts.every((p) => !/[\ud800-\udbff]$/.test(p))).toBe(true);
  });
});
