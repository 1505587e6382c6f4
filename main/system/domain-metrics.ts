import { Counter, Histogram, type Registry } from 'prom-client';
import type { EventPayload } from '../contract/events';
import type { InboundOutcome } from '../channels/channel-manager';
import type { EventBus } from '../events/bus';
import type { ModelObserver } from '../inference/failover';

// What Perch did, for /metrics next to the gateway's own series: messages by channel and what
// became of them, model calls and failovers, approvals, schedule runs and channel errors. Label
// values come from fixed sets (channels, outcomes, provider kinds), never from what people send.

const REMEMBERED_REQUESTS = 1_000;
const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class DomainMetrics {
  private readonly inbound: Counter<'channel' | 'outcome'>;
  private readonly turns: Counter<'channel' | 'outcome'>;
  private readonly turnSeconds: Histogram<'channel'>;
  private readonly modelCalls: Counter<'provider' | 'outcome'>;
  private readonly modelSeconds: Histogram<'provider'>;
  private readonly failovers: Counter;
  private readonly approvals: Counter<'event'>;
  private readonly scheduleRuns: Counter<'outcome'>;
  private readonly channelErrors: Counter<'channel' | 'state'>;
  private readonly channelStates = new Map<string, string>();
  /** Approval ids counted as requested lately (oldest dropped first). */
  private readonly requested = new Set<string>();

  constructor(registry: Registry, bus: EventBus) {
    const registers = [registry];
    this.inbound = new Counter({ name: 'perch_channel_messages_total', help: 'Chat messages received, by channel and what became of them', labelNames: ['channel', 'outcome'], registers });
    this.turns = new Counter({ name: 'perch_messages_total', help: 'Messages the agent answered (every channel, the dashboard and scheduled prompts), by outcome', labelNames: ['channel', 'outcome'], registers });
    this.turnSeconds = new Histogram({ name: 'perch_message_seconds', help: 'Time to answer a message from when the agent takes it (waiting in its conversation\'s lane included)', labelNames: ['channel'], buckets: SECONDS, registers });
    this.modelCalls = new Counter({ name: 'perch_model_calls_total', help: 'Calls to a chat model, by provider kind and outcome', labelNames: ['provider', 'outcome'], registers });
    this.modelSeconds = new Histogram({ name: 'perch_model_call_seconds', help: 'Time a chat model took per call', labelNames: ['provider'], buckets: SECONDS, registers });
    this.failovers = new Counter({ name: 'perch_model_failovers_total', help: 'Replies a fallback model gave because the models before it failed', registers });
    this.approvals = new Counter({ name: 'perch_approvals_total', help: 'Approval requests, how they were decided, and approved commands that finished (ran)', labelNames: ['event'], registers });
    this.scheduleRuns = new Counter({ name: 'perch_schedule_runs_total', help: 'Scheduled job runs by outcome', labelNames: ['outcome'], registers });
    this.channelErrors = new Counter({ name: 'perch_channel_errors_total', help: 'Times a channel lost its connection or was logged out', labelNames: ['channel', 'state'], registers });

    bus.subscribe((event, payload) => {
      switch (event) {
        case 'approval.requested': {
          // A request offered again (its turn resumed after a restart) is still one request.
          const { id } = payload as EventPayload<'approval.requested'>;
          if (this.requested.has(id)) break;
          this.requested.add(id);
          if (this.requested.size > REMEMBERED_REQUESTS) this.requested.delete(this.requested.values().next().value!);
          this.approvals.inc({ event: 'requested' });
          break;
        }
        case 'approval.resolved': {
          // Published when decided and again when the approved command finishes: counted once each.
          const { status, run } = payload as EventPayload<'approval.resolved'>;
          this.approvals.inc({ event: run && run.state !== 'running' ? 'ran' : status });
          break;
        }
        case 'schedule.fired':
          this.scheduleRuns.inc({ outcome: (payload as EventPayload<'schedule.fired'>).outcome });
          break;
        case 'channel.status': {
          const { channel, state } = payload as EventPayload<'channel.status'>;
          // Counted on entering the state: status is published again for pauses and retries.
          if ((state === 'error' || state === 'logged-out') && this.channelStates.get(channel) !== state) this.channelErrors.inc({ channel, state });
          this.channelStates.set(channel, state);
          break;
        }
      }
    });
  }

  /** What became of a chat message on arrival. */
  channelMessage = (channel: string, outcome: InboundOutcome): void => {
    this.inbound.inc({ channel, outcome });
  };

  /** An answered (or failed) message and its time. */
  turn = (channel: string, outcome: 'ok' | 'error', seconds: number): void => {
    this.turns.inc({ channel, outcome });
    this.turnSeconds.observe({ channel }, seconds);
  };

  readonly models: ModelObserver = {
    call: (provider, outcome, seconds) => {
      this.modelCalls.inc({ provider, outcome });
      this.modelSeconds.observe({ provider }, seconds);
    },
    failover: () => this.failovers.inc(),
  };
}
