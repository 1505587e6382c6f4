import { describe, expect, it } from 'vitest';
import { DeltaBatcher } from '../../main/agent/delta-batcher';

describe('delta batcher', () => {
  it('sends the first chunk at once, gathers the rest, and loses nothing', async () => {
    const sent: string[] = [];
    const batcher = new DeltaBatcher((t) => sent.push(t), 20);
    batcher.push('Hel');
    expect(sent).toEqual(['Hel']);
    for (const c of ['lo', ', ', 'wor']) batcher.push(c);
    expect(sent).toEqual(['Hel']);
    await new Promise((r) => setTimeout(r, 40));
    expect(sent).toEqual(['Hel', 'lo, wor']);
    batcher.push('ld');
    batcher.push('');
    batcher.flush();
    expect(sent.join('')).toBe('Hello, world');
    batcher.flush();
    expect(sent).toHaveLength(3);
  });
});
