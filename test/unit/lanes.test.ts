import { describe, expect, it } from 'vitest';
import { Lanes } from '../../main/agent/lanes';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lanes', () => {
  it('runs one conversation in order while another proceeds', async () => {
    const lanes = new Lanes(4);
    const log: string[] = [];
    const a = Array.from({ length: 10 }, (_, i) =>
      lanes.run('a', async () => {
        log.push(`a${i}:start`);
        await tick(10 - i); // later messages are quicker: order must still hold
        log.push(`a${i}:end`);
        return i;
      }),
    );
    const b = lanes.run('b', async () => {
      log.push('b:start');
      return 'b';
    });
    expect(await b).toBe('b');
    expect(await Promise.all(a)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(log.indexOf('b:start')).toBeLessThan(log.indexOf('a1:start')); // b did not wait for a's queue
    const aLog = log.filter((l) => l.startsWith('a'));
    expect(aLog).toEqual(Array.from({ length: 10 }, (_, i) => [`a${i}:start`, `a${i}:end`]).flat());
    expect(lanes.busy).toBe(0);
  });

  it('never runs more conversations at once than the bound, and a failure does not block the lane', async () => {
    const lanes = new Lanes(2);
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 8 }, (_, i) =>
      lanes.run(`c${i}`, async () => {
        running++;
        peak = Math.max(peak, running);
        await tick(5);
        running--;
      }),
    );
    await Promise.all(tasks);
    expect(peak).toBe(2);
    await expect(lanes.run('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lanes.run('x', async () => 'next')).toBe('next');
  });

  it('lets other conversations run while one waits outside the bound, and keeps that lane in order', async () => {
    const lanes = new Lanes(1);
    let approve!: () => void;
    const approval = new Promise<void>((resolve) => (approve = resolve));
    const log: string[] = [];
    const waiting = lanes.run('owner', async () => {
      log.push('owner:asks');
      await lanes.outside(() => approval); // waits for the owner, holding no slot
      log.push('owner:ran');
    });
    const next = lanes.run('owner', async () => void log.push('owner:next'));
    // With the only slot free, two other conversations are answered meanwhile, one at a time.
    let running = 0;
    let peak = 0;
    const others = ['a', 'b'].map((key) =>
      lanes.run(key, async () => {
        running++;
        peak = Math.max(peak, running);
        await tick(5);
        running--;
        log.push(`${key}:done`);
      }),
    );
    await Promise.all(others);
    expect(log).toEqual(['owner:asks', 'a:done', 'b:done']);
    expect(peak).toBe(1);
    approve();
    await Promise.all([waiting, next]);
    expect(log).toEqual(['owner:asks', 'a:done', 'b:done', 'owner:ran', 'owner:next']);
    expect(lanes.busy).toBe(0);
  });
});
