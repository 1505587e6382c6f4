import { describe, expect, it } from 'vitest';
import { VectorSketch } from '../../main/memory/vector-sketch';

// A seeded generator, so the test sees the same vectors every run.
function random(seed: number) {
  return () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
}

const vector = (next: () => number, dim: number) => Float32Array.from({ length: dim }, next);

describe('the vector sketch', () => {
  it('finds a stored vector first, at distance about 0, and agrees with an exact scan on the top ten', () => {
    const next = random(42);
    const dim = 64;
    const sketch = new VectorSketch(dim);
    const stored = new Map<number, Float32Array>();
    for (let id = 1; id <= 3000; id++) {
      const v = vector(next, dim);
      stored.set(id, v);
      sketch.set(id, v);
    }
    const hit = sketch.nearest(stored.get(1234)!, 1)[0]!;
    expect(hit.id).toBe(1234);
    expect(hit.distance).toBeLessThan(0.001);

    const cosine = (a: Float32Array, b: Float32Array) => {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.length; i++) {
        dot += a[i]! * b[i]!;
        na += a[i]! ** 2;
        nb += b[i]! ** 2;
      }
      return dot / Math.sqrt(na * nb);
    };
    let found = 0;
    for (let q = 0; q < 20; q++) {
      const query = vector(next, dim);
      const exact = [...stored].sort((a, b) => cosine(b[1], query) - cosine(a[1], query)).slice(0, 10).map(([id]) => id);
      const approx = new Set(sketch.nearest(query, 10).map((r) => r.id));
      found += exact.filter((id) => approx.has(id)).length;
    }
    expect(found / 200).toBeGreaterThanOrEqual(0.9);
  });

  it('forgets deleted vectors and replaces updated ones', () => {
    const next = random(7);
    const sketch = new VectorSketch(32);
    const a = vector(next, 32);
    const b = vector(next, 32);
    sketch.set(1, a);
    sketch.set(2, b);
    sketch.set(3, vector(next, 32));
    sketch.delete(1);
    expect(sketch.count).toBe(2);
    expect(sketch.nearest(a, 3).map((r) => r.id)).not.toContain(1);
    sketch.set(3, a); // id 3 now holds a
    expect(sketch.nearest(a, 1)[0]!.id).toBe(3);
    expect(sketch.nearest(b, 1)[0]!.id).toBe(2);
    expect(sketch.nearest(new Float32Array(16), 1)).toEqual([]); // another size: nothing
  });
});
