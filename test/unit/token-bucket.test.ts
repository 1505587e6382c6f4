import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../main/gateway/token-bucket';

describe('token bucket', () => {
  it('allows a burst, then refills at the configured rate', () => {
    let now = 0;
    const bucket = new TokenBucket(() => ({ perSecond: 10, burst: 3 }), () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(100); // 100 ms until the next token at 10/s
    now += 100;
    expect(bucket.take()).toBe(0);
    now += 10_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()].filter((w) => w === 0)).toHaveLength(3);
  });

  it('follows limit changes at once', () => {
    let now = 0;
    let limits = { perSecond: 1, burst: 1 };
    const bucket = new TokenBucket(() => limits, () => now);
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(1000);
    limits = { perSecond: 1000, burst: 10 };
    now += 5;
    expect(bucket.take()).toBe(0);
  });
});
