// Capped exponential backoff with "equal jitter": half of each wait fixed, half random, never
// above the cap. Used by everything that tries again: channel deliveries and reconnects, and
// scheduled deliveries.

export interface Backoff {
  baseMs: number;
  capMs: number;
  /** 0..1; injected in tests. */
  random: () => number;
}

/** The wait before the attempt after `attempt` failures (1 → base, 2 → 2 × base, …). */
export function backoffMs(attempt: number, policy: Backoff): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * policy.random());
}
