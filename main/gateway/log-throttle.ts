// A flood of refusals must not become a flood of log lines (each one is formatted and written to
// disk): per key, the first one in a window is logged and the rest are only counted.

export class LogThrottle {
  private readonly windows = new Map<string, { until: number; skipped: number }>();

  constructor(private readonly windowMs = 1000) {}

  /** null: leave this one out; otherwise log it, with how many were left out since the last one. */
  pass(key: string): number | null {
    const now = performance.now();
    const window = this.windows.get(key);
    if (window && now < window.until) {
      window.skipped++;
      return null;
    }
    this.windows.set(key, { until: now + this.windowMs, skipped: 0 });
    return window?.skipped ?? 0;
  }
}
