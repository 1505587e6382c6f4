/** Token bucket: `burst` requests at once, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limits: () => { perSecond: number; burst: number },
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limits().burst;
    this.last = this.now();
  }

  /** Takes one token; returns 0 on success, else the milliseconds until one is available. */
  take(): number {
    const { perSecond, burst } = this.limits();
    const now = this.now();
    this.tokens = Math.min(burst, this.tokens + ((now - this.last) * perSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / perSecond);
  }
}
