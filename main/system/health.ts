import type { z } from 'zod';
import type { domainHealthSchema } from '../contract/methods';

// Each domain reports its own health; system.status shows them all and /ready is 200 only when
// none is down ('degraded' means working with less, e.g. secrets in a file instead of a keychain).

export type DomainHealth = z.output<typeof domainHealthSchema>;

export class HealthRegistry {
  private readonly checks = new Map<string, () => DomainHealth>();

  register(domain: string, check: () => DomainHealth): void {
    this.checks.set(domain, check);
  }

  snapshot(): Record<string, DomainHealth> {
    const out: Record<string, DomainHealth> = {};
    for (const [domain, check] of this.checks) {
      try {
        out[domain] = check();
      } catch (error) {
        out[domain] = { status: 'down', detail: `health check failed: ${(error as Error).message}` };
      }
    }
    return out;
  }

  readiness(): { ready: boolean; failing: Array<{ domain: string } & DomainHealth> } {
    const failing = Object.entries(this.snapshot())
      .filter(([, health]) => health.status === 'down')
      .map(([domain, health]) => ({ domain, ...health }));
    return { ready: this.checks.size > 0 && failing.length === 0, failing };
  }
}
