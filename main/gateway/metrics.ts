import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isMethodName } from '../contract/methods';

// Prometheus metrics for /metrics. Method labels are limited to contract methods so a client
// sending random method names cannot blow up the label set.

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'perch_rpc_requests_total',
    help: 'RPC calls by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'perch_rpc_duration_seconds',
    help: 'RPC handling time by method',
    labelNames: ['method'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.25, 1, 5],
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: 'perch_ws_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'perch_gateway_rejected_total',
    help: 'Refused upgrades, closed connections and malformed frames by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'perch_' });
  }

  // Label children resolved once per method and outcome: this runs on every call.
  private readonly perMethod = new Map<string, { ok: Counter.Internal; error: Counter.Internal; duration: Histogram.Internal<'method'> }>();

  observeCall = (method: string, outcome: 'ok' | 'error', seconds: number): void => {
    const label = isMethodName(method) ? method : 'unknown';
    let entry = this.perMethod.get(label);
    if (!entry) {
      entry = {
        ok: this.requests.labels({ method: label, outcome: 'ok' }),
        error: this.requests.labels({ method: label, outcome: 'error' }),
        duration: this.duration.labels({ method: label }),
      };
      this.perMethod.set(label, entry);
    }
    entry[outcome].inc();
    entry.duration.observe(seconds);
  };
}
