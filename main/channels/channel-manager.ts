import { MessageTooLong, type Agent } from '../agent/agent';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import type { AdapterStatus, ApprovalAction, ChannelAdapter, ChannelState } from './adapter';
import type { ChannelStore, InboundMessage } from './channel-store';
import { TokenBucket } from '../gateway/token-bucket';
import { chunkReply } from './reply-chunks';

/** Per sender: a burst of this many messages, then this many a minute; the rest get one notice. */
const SENDER_BURST = 8;
const SENDER_PER_MINUTE = 20;
export const FLOOD_NOTICE = "You're sending messages faster than I can answer, so I'm skipping some. Give me a moment and send what matters again.";

// Runs the enabled channels: stores every inbound message once, lets only allowed senders reach the
// agent, answers each conversation in order, queues replies durably and delivers them in order per
// peer with retries. Paused means: received and stored, not answered; resuming answers nothing
// retroactively. After a crash, accepted but unanswered messages are answered on start.

export interface ChannelView {
  channel: string;
  state: ChannelState;
  paused: boolean;
  detail: string | null;
}

export interface ChannelManagerDeps {
  store: ChannelStore;
  agent: Pick<Agent, 'handle'>;
  bus: EventBus;
  log: Logger;
  /** Sender ids allowed to talk to Perch on a channel; the first is the owner. */
  allowFrom: (channel: string) => string[];
  /** Decides approvals pressed in a chat (the approval gate). */
  approvals?: { resolve(id: string, decision: 'approve' | 'deny', remember: boolean, surface: string): Promise<{ approval: { status: string; run: { exitCode: number | null } | null } }> };
}

export class ChannelManager {
  private readonly adapters = new Map<string, { adapter: ChannelAdapter; status: AdapterStatus; timer: NodeJS.Timeout | null; sending: boolean }>();
  private stopped = false;
  /** Allowed senders only (strangers never get this far), so this stays small. */
  private readonly senders = new Map<string, { bucket: TokenBucket; noticed: boolean }>();

  constructor(private readonly deps: ChannelManagerDeps) {}

  add(adapter: ChannelAdapter): void {
    this.adapters.set(adapter.name, { adapter, status: { state: 'stopped' }, timer: null, sending: false });
  }

  async start(): Promise<void> {
    for (const [name, entry] of this.adapters) {
      this.setStatus(name, { state: 'connecting' });
      try {
        await entry.adapter.start({
          inbound: (message) => void this.inbound(message).catch((error: Error) => this.deps.log.error('an inbound message failed', { channel: name, error: error.message })),
          status: (status) => this.setStatus(name, status),
          action: (action) => void this.decide(name, action),
        });
      } catch (error) {
        this.setStatus(name, { state: 'error', detail: (error as Error).message });
        continue;
      }
      // Accepted before a crash and never answered: answered now, once.
      for (const message of this.deps.store.unanswered(name)) void this.answer(message);
      this.deliver(name);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const [name, entry] of this.adapters) {
      if (entry.timer) clearTimeout(entry.timer);
      await entry.adapter.stop().catch((error: Error) => this.deps.log.warn('a channel did not stop cleanly', { channel: name, error: error.message }));
    }
  }

  list(): ChannelView[] {
    return [...this.adapters.keys()].map((name) => this.view(name));
  }

  /** Pauses one channel, or all of them; returns the channels' views. */
  pause(channel?: string): ChannelView[] {
    return this.setPaused(channel, true);
  }

  resume(channel?: string): ChannelView[] {
    return this.setPaused(channel, false);
  }

  private setPaused(channel: string | undefined, paused: boolean): ChannelView[] {
    const names = channel ? [channel] : [...this.adapters.keys()];
    for (const name of names) {
      if (!this.adapters.has(name)) throw new UnknownChannel(`No channel named ${name}. Channels: ${[...this.adapters.keys()].join(', ') || 'none'}`);
      this.deps.store.setPaused(name, paused);
      this.publish(name);
    }
    return names.map((name) => this.view(name));
  }

  private view(name: string): ChannelView {
    const { status } = this.adapters.get(name)!;
    const paused = this.deps.store.paused(name);
    return { channel: name, state: paused && status.state === 'connected' ? 'paused' : status.state, paused, detail: status.detail ?? null };
  }

  private setStatus(name: string, status: AdapterStatus): void {
    const entry = this.adapters.get(name);
    if (!entry) return;
    const reconnected = status.state === 'connected' && entry.status.state !== 'connected';
    entry.status = status;
    this.publish(name);
    if (reconnected) this.deliver(name); // what waited while disconnected goes out now, in order
  }

  private publish(name: string): void {
    this.deps.bus.publish('channel.status', this.view(name));
  }

  /** Offers an approval request to the owner on every channel with buttons. */
  async offerApproval(approval: { id: string; command: string; cwd: string; risk: string; conversationId: string | null; channel: string | null }): Promise<void> {
    for (const [name, entry] of this.adapters) {
      const owner = this.deps.allowFrom(name)[0];
      if (!owner || !entry.adapter.sendApproval || entry.status.state !== 'connected') continue;
      const text = `Perch wants to run:\n${approval.command}\nin ${approval.cwd}\n\n${approval.risk}\n\n(approval ${approval.id})`;
      await entry.adapter.sendApproval(owner, text, approval.id).catch((error: Error) => this.deps.log.warn('could not offer an approval', { channel: name, error: error.message }));
    }
  }

  /** A button pressed in a chat: only the owner may decide. */
  private async decide(channel: string, action: ApprovalAction): Promise<void> {
    if (this.deps.allowFrom(channel)[0] !== action.sender || !this.deps.approvals) {
      await action.settle('Only the owner can decide this.').catch(() => undefined);
      return;
    }
    let outcome: string;
    try {
      const { approval } = await this.deps.approvals.resolve(action.approvalId, action.decision, false, channel);
      outcome = approval.status === 'approved' ? `Approved: ran${approval.run?.exitCode !== undefined && approval.run?.exitCode !== null ? ` (exit code ${approval.run.exitCode})` : ''}.` : 'Denied: it did not run.';
    } catch (error) {
      outcome = (error as Error).message;
    }
    await action.settle(outcome).catch((error: Error) => this.deps.log.warn('could not confirm a decision in the chat', { channel, error: error.message }));
  }

  /** Stores, filters and answers one inbound message. */
  async inbound(message: InboundMessage): Promise<void> {
    const allowed = this.deps.allowFrom(message.channel).includes(message.sender);
    const flooding = allowed && this.flooding(message);
    // Unknown senders are recorded but never reach the model; a flood is recorded and skipped.
    const status = !allowed || flooding ? 'ignored' : this.deps.store.paused(message.channel) ? 'paused' : 'received';
    if (this.deps.store.receive(message, status) === 'duplicate') return;
    if (status !== 'received') {
      if (!allowed) this.deps.log.info('message from an unknown sender ignored', { channel: message.channel });
      if (flooding) this.noticeFlood(message);
      return;
    }
    await this.answer(message);
  }

  private flooding(message: InboundMessage): boolean {
    const key = `${message.channel}:${message.sender}`;
    let sender = this.senders.get(key);
    if (!sender) this.senders.set(key, (sender = { bucket: new TokenBucket(() => ({ perSecond: SENDER_PER_MINUTE / 60, burst: SENDER_BURST })), noticed: false }));
    if (sender.bucket.take() === 0) {
      sender.noticed = false;
      return false;
    }
    return true;
  }

  /** One polite notice per flood, not one per skipped message. */
  private noticeFlood(message: InboundMessage): void {
    const sender = this.senders.get(`${message.channel}:${message.sender}`)!;
    if (sender.noticed) return;
    sender.noticed = true;
    this.deps.log.warn('a sender is flooding; messages skipped', { channel: message.channel });
    this.deps.store.enqueue(message.channel, message.peer, FLOOD_NOTICE);
    this.deliver(message.channel);
  }

  private async answer(message: InboundMessage): Promise<void> {
    let text: string;
    try {
      text = (await this.deps.agent.handle({ channel: message.channel, peer: message.peer, text: message.text })).text;
    } catch (error) {
      // A message the agent cannot take (too long for the model): the sender hears why.
      if (!(error instanceof MessageTooLong)) throw error;
      text = error.message;
    }
    this.deps.store.answer(message.channel, message.providerId, message.peer, chunkReply(text));
    this.deliver(message.channel);
  }

  /** Sends what is due, one message at a time per channel; reschedules itself for what must wait. */
  private deliver(name: string): void {
    const entry = this.adapters.get(name);
    if (!entry || this.stopped || entry.sending) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.sending = true;
    void (async () => {
      try {
        for (;;) {
          const due = this.deps.store.due(name);
          if (due.length === 0 || this.stopped) break;
          for (const item of due) {
            try {
              await entry.adapter.send(item.peer, item.text);
              this.deps.store.sent(item.id);
            } catch (error) {
              const outcome = this.deps.store.failed(item.id, (error as Error).message);
              this.deps.log.warn('a reply could not be sent', { channel: name, outcome, error: (error as Error).message });
            }
          }
        }
      } finally {
        entry.sending = false;
      }
      const next = this.deps.store.nextDue(name);
      if (next && !this.stopped) {
        entry.timer = setTimeout(() => this.deliver(name), Math.max(0, next.getTime() - Date.now()));
        entry.timer.unref();
      }
    })();
  }
}

export class UnknownChannel extends Error {}
