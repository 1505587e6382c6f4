import { describe, expect, it } from 'vitest';
import { environBounds, scrubSecretEnv } from '../../main/config/secret-env';

describe('secret environment scrubbing', () => {
  it('finds the environment bounds past a process name holding spaces and parentheses', () => {
    const after = Array.from({ length: 52 - 2 }, (_, i) => String(i + 3));
    after[50 - 3] = '140737488351000';
    after[51 - 3] = '140737488352000';
    expect(environBounds(`4242 (evil) (name) ${after.join(' ')}\n`)).toEqual({ start: 140737488351000, end: 140737488352000 });
    expect(() => environBounds('4242 (short) R 1 2')).toThrow('no environment bounds');
  });

  it('removes the variables from process.env; elsewhere than Linux there is no block to rewrite', () => {
    process.env.PERCH_SCRUB_PROBE = 'probe-value';
    expect(scrubSecretEnv(['PERCH_SCRUB_PROBE', 'PERCH_NOT_SET'], 'darwin')).toEqual({ removed: ['PERCH_SCRUB_PROBE'], wiped: [], error: null });
    expect(process.env.PERCH_SCRUB_PROBE).toBeUndefined();
  });
});
