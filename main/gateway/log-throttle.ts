// A flood of refusals must not become a flood of log lines (each one is formatted and written to
// disk): per key, the first one in a window is logged and the rest are only counted.

export class LogThrottle {
  private readonly windows = new Map<string, { until: number; skipped: number }>();

  constructor(private readonly windowMs = 1000) {}

  /**
   * null: leave this one out; otherwise log it, with these fields added (`skipped`: how many were
   * left out since the last one, when any were).
   */
  pass(key: string): { skipped?: number } | null {
    const now = performance.now();
    const window = this.windows.get(key);
    if (!window) {
      this.windows.set(key, { until: now + this.windowMs, skipped: 0 });
      return {};
    }
    if (now < window.until) {
      window.skipped++;
      return null;
    }
    const { skipped } = window;
    window.until = now + this.windowMs;
    window.skipped = 0;
    return skipped ? { skipped } : {};
  }
}
