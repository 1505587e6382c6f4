import { randomUUID } from 'node:crypto';
import { MessageTooLong, type Agent } from '../agent/agent';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import { admit, approvalReply, roleOf, type Admission, isOwner, MAX_PENDING_PAIRINGS, newPairingCode, PAIRING_WELCOME, pairingOffer, type ChannelPolicy } from './admission';
import { NotStored, type AdapterStatus, type ApprovalAction, type ChannelAdapter, type ChannelState, type LoginParams } from './adapter';
import { backoffMs, type Backoff } from '../system/backoff';
import type { ChannelStore, InboundMessage, Pairing } from './channel-store';
import { TokenBucket } from '../gateway/token-bucket';
import { approvalOffer, type OfferedApproval } from './approval-offer';
import { chunkReply } from './reply-chunks';

export const FLOOD_NOTICE = "You're sending messages faster than I can answer, so I'm skipping some. Give me a moment and send what matters again.";
export const BUSY_NOTICE = "I have a lot to answer right now; your message is saved and I'll get to it in a few minutes.";

/** Per sender: a burst, then a rate (the rest are skipped with one notice); globally, how many wait for the model. */
export interface InboundLimits {
  senderBurst: number;
  senderPerMinute: number;
  maxQueuedMessages: number;
  globalPerMinute: number;
}

/** A broken connection is retried after 2 s, 4 s, 8 s… up to 5 minutes, with jitter. */
export const RECONNECT: Backoff = { baseMs: 2_000, capMs: 5 * 60_000, random: Math.random };
/** After an answer failed, the waiting messages are taken on again this much later; after this many tries the sender is told. */
const FAILED_RETRY_MS = 30_000;
const ANSWER_ATTEMPTS = 5;
/** "typing…" lasts about 5 s on Telegram and WhatsApp; renewed while the agent works. */
const TYPING_EVERY_MS = 4_000;

// Runs the enabled channels: stores every inbound message once, lets only admitted senders reach
// the agent, answers each conversation in order, queues replies durably and delivers them in order
// per peer with retries. Paused means: received and stored, not answered; resuming answers nothing
// retroactively. After a crash, accepted but unanswered messages are answered on start. A channel
// whose connection breaks is restarted with capped, jittered backoff; one that is logged out waits
// for the owner.

export interface ChannelView {
  channel: string;
  state: ChannelState;
  paused: boolean;
  detail: string | null;
  nextRetryAt: string | null;
}

export interface ChannelManagerDeps {
  store: ChannelStore;
  agent: Pick<Agent, 'handle'>;
  bus: EventBus;
  log: Logger;
  /** Who is answered on a channel; the first allowFrom entry is the owner. */
  policy: (channel: string) => ChannelPolicy;
  /** Decides approvals pressed or answered in a chat (the approval gate). */
  approvals?: { resolve(id: string, decision: 'approve' | 'deny', remember: boolean, surface: string): Promise<{ approval: { status: string; run: { exitCode: number | null } | null } }> };
  reconnect?: Backoff;
  limits: () => InboundLimits;
  /** A chat's id as allowFrom writes people (WhatsApp: "+digits"); default as it is. */
  personOf?: (channel: string, peer: string) => string;
  /** Counts what became of each inbound message (for /metrics). */
  observe?: (channel: string, outcome: InboundOutcome) => void;
}

export type InboundOutcome = 'answered' | 'duplicate' | 'stranger' | 'pairing' | 'flood' | 'paused' | 'busy' | 'decision';

interface Entry {
  adapter: ChannelAdapter;
  status: AdapterStatus;
  /** Delivery timer for replies that must wait. */
  timer: NodeJS.Timeout | null;
  sending: boolean;
  /** Restart after an error: how many in a row, and when the next one is. */
  failures: number;
  retry: { timer: NodeJS.Timeout; at: Date } | null;
  /** Bumped on every (re)start so a stale adapter's reports are ignored. */
  generation: number;
}

export class ChannelManager {
  private readonly adapters = new Map<string, Entry>();
  private started = false;
  private stopped = false;
  /** Admitted senders only (strangers never get this far), so this stays small. */
  private readonly senders = new Map<string, { bucket: TokenBucket; noticed: boolean }>();
  /** Messages the agent is answering now (a reconnect must not start them a second time). */
  private readonly answering = new Set<string>();
  /** Admitted messages wait in the store because the model's queue is full: answered oldest first. */
  private backlog = false;
  /** Chats told they must wait (once until they are answered). */
  private readonly toldBusy = new Set<string>();
  /** Messages taken on over all senders: a minute's worth at once, then the rate. */
  private readonly global: TokenBucket;
  /** Answers that failed, by message (in memory: a restart tries afresh). */
  private readonly failedAttempts = new Map<string, number>();
  /** A drain waiting for the global rate to allow more. */
  private drainTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ChannelManagerDeps) {
    this.global = new TokenBucket(() => {
      const perMinute = deps.limits().globalPerMinute;
      return { perSecond: perMinute / 60, burst: perMinute };
    });
  }

  add(adapter: ChannelAdapter): void {
    this.adapters.set(adapter.name, { adapter, status: { state: 'stopped' }, timer: null, sending: false, failures: 0, retry: null, generation: 0 });
  }

  /** Starts every channel without waiting on one another; a failed start is retried. */
  async start(): Promise<void> {
    this.started = true;
    await Promise.all([...this.adapters.keys()].map((name) => this.launch(name)));
  }

  /** Adds a channel while Perch runs (a setting turned it on) and connects it; known ones stay as they are. */
  async enable(adapter: ChannelAdapter): Promise<void> {
    if (this.stopped || this.adapters.has(adapter.name)) return;
    this.add(adapter);
    if (this.started) await this.launch(adapter.name);
    else this.publish(adapter.name);
  }

  /** Stops a channel and takes it off the list (a setting turned it off); its stored messages and queued replies stay for when it is back. */
  async disable(name: string): Promise<void> {
    const entry = this.adapters.get(name);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.retry) clearTimeout(entry.retry.timer);
    entry.retry = null;
    entry.generation++; // its late reports no longer count
    entry.status = { state: 'stopped', detail: 'Turned off in Settings.' };
    const last = this.view(name);
    this.adapters.delete(name);
    this.deps.bus.publish('channel.status', last);
    await entry.adapter.stop().catch((error: Error) => this.deps.log.warn('a channel did not stop cleanly', { channel: name, error: error.message }));
  }

  has(name: string): boolean {
    return this.adapters.has(name);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    for (const [name, entry] of this.adapters) {
      if (entry.timer) clearTimeout(entry.timer);
      if (entry.retry) clearTimeout(entry.retry.timer);
      entry.generation++;
      await entry.adapter.stop().catch((error: Error) => this.deps.log.warn('a channel did not stop cleanly', { channel: name, error: error.message }));
    }
  }

  private async launch(name: string): Promise<void> {
    const entry = this.adapters.get(name);
    if (this.stopped || !entry) return;
    const generation = ++entry.generation;
    const current = () => generation === entry.generation && !this.stopped;
    this.setStatus(name, { state: 'connecting' });
    try {
      await entry.adapter.start({
        // Storing happens before this returns (a failure throws NotStored to the adapter); answering after.
        inbound: (message) => {
          if (current()) this.inbound(message).catch((error: Error) => this.deps.log.error('an inbound message failed', { channel: name, error: error.message }));
        },
        status: (status) => {
          if (current()) this.setStatus(name, status);
        },
        action: (action) => {
          if (current()) void this.decide(name, action);
        },
        qr: (qr) => {
          if (current()) this.deps.bus.publish('channel.qr', { channel: name, qr });
        },
      });
    } catch (error) {
      // The adapter may have said why already (a refused token is "logged-out": no retry).
      if (current() && entry.status.state !== 'logged-out') this.setStatus(name, { state: 'error', detail: (error as Error).message });
      return;
    }
    if (!current()) return;
    // Accepted before a crash (or a reconnect) and never answered: answered now, once.
    this.drain();
    this.deliver(name);
  }

  /** Restarts a channel whose connection broke, after a capped, jittered, growing delay. */
  private scheduleRestart(name: string): void {
    const entry = this.adapters.get(name)!;
    if (this.stopped || entry.retry) return;
    entry.failures++;
    const delay = backoffMs(entry.failures, this.deps.reconnect ?? RECONNECT);
    const timer = setTimeout(() => {
      entry.retry = null;
      void this.restart(name);
    }, delay);
    entry.retry = { timer, at: new Date(Date.now() + delay) };
    this.deps.log.warn('a channel will reconnect', { channel: name, inMs: delay, failures: entry.failures, reason: entry.status.detail });
  }

  private async restart(name: string): Promise<void> {
    const entry = this.adapters.get(name);
    if (!entry) return;
    if (entry.retry) clearTimeout(entry.retry.timer);
    entry.retry = null;
    entry.generation++; // the old connection's late reports no longer count
    // Said at once, before the old connection is closed: a login's answer and the dashboard show the attempt begin.
    this.setStatus(name, { state: 'connecting' });
    await entry.adapter.stop().catch(() => undefined);
    if (this.adapters.get(name) === entry) await this.launch(name); // unless turned off meanwhile
  }

  /** Logs a channel in (a new token, or a fresh WhatsApp QR login) and connects it now. */
  async login(name: string, params: LoginParams): Promise<ChannelView> {
    const entry = this.entry(name);
    // First, so a refused login (no token) leaves the running connection alone.
    if (entry.adapter.login) await entry.adapter.login(params);
    entry.failures = 0;
    void this.restart(name);
    return this.view(name);
  }

  /** Connects a channel afresh with its login as it is (its address changed). */
  async reconnect(name: string): Promise<void> {
    this.entry(name).failures = 0;
    await this.restart(name);
  }

  async logout(name: string): Promise<ChannelView> {
    const entry = this.entry(name);
    if (entry.retry) clearTimeout(entry.retry.timer);
    entry.retry = null;
    entry.generation++;
    await entry.adapter.logout?.(); // while still connected, where unlinking needs the connection
    await entry.adapter.stop().catch(() => undefined);
    this.setStatus(name, { state: 'logged-out', detail: 'Logged out: log in again to use this channel.' });
    return this.view(name);
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

  private entry(name: string): Entry {
    const entry = this.adapters.get(name);
    if (!entry) throw new UnknownChannel(`No channel named ${name} is set up. Channels: ${[...this.adapters.keys()].join(', ') || 'none'}`);
    return entry;
  }

  private setPaused(channel: string | undefined, paused: boolean): ChannelView[] {
    const names = channel ? [channel] : [...this.adapters.keys()];
    for (const name of names) this.entry(name);
    for (const name of names) {
      this.deps.store.setPaused(name, paused);
      this.publish(name);
    }
    if (!paused) this.drain(); // what waited for room before the pause is taken on again
    return names.map((name) => this.view(name));
  }

  private view(name: string): ChannelView {
    const { status, retry } = this.adapters.get(name)!;
    const paused = this.deps.store.paused(name);
    return {
      channel: name,
      state: paused && status.state === 'connected' ? 'paused' : status.state,
      paused,
      detail: status.detail ?? null,
      nextRetryAt: retry && status.state === 'error' ? retry.at.toISOString() : (status.retryAt?.toISOString() ?? null),
    };
  }

  private setStatus(name: string, status: AdapterStatus): void {
    const entry = this.adapters.get(name);
    if (!entry) return;
    const reconnected = status.state === 'connected' && entry.status.state !== 'connected';
    entry.status = status;
    if (status.state === 'connected') entry.failures = 0;
    if (status.state === 'error') this.scheduleRestart(name);
    this.publish(name);
    if (reconnected) this.deliver(name); // what waited while disconnected goes out now, in order
  }

  private publish(name: string): void {
    this.deps.bus.publish('channel.status', this.view(name));
  }

  /**
   * Queues a message for a chat that answers nothing (a scheduled job's): to `peer`, or the
   * channel's owner. Throws when the channel is not set up or cannot deliver until the owner acts;
   * returns what sends it (call it once the caller's transaction is committed).
   */
  queueFor(channel: string, peer: string | undefined, text: string): () => void {
    const entry = this.entry(channel);
    if (entry.status.state === 'logged-out' || entry.status.state === 'stopped') {
      throw new ChannelUnavailable(`${channel} is ${entry.status.state}${entry.status.detail ? ` (${entry.status.detail})` : ''}`);
    }
    const to = peer ?? this.owner(channel);
    for (const part of chunkReply(text)) this.deps.store.enqueue(channel, to, part);
    return () => this.deliver(channel);
  }

  /** Forgets a chat's stored messages (its conversation was wiped); returns how many went. */
  forgetPeer(channel: string, peer: string): number {
    return this.deps.store.forgetPeer(channel, peer);
  }

  /** Whether this chat is the owner's direct chat with Perch. */
  isOwnerChat(channel: string, peer: string): boolean {
    if (!this.adapters.has(channel)) return false;
    const owner = this.deps.policy(channel).allowFrom[0];
    return owner !== undefined && owner === (this.deps.personOf?.(channel, peer) ?? peer);
  }

  /** Deletes delivery records past retention (see ChannelStore.pruneBefore). */
  pruneBefore(cutoff: string, chat?: { channel: string; peer: string }): number {
    return this.deps.store.pruneBefore(cutoff, chat);
  }

  /** The chat a message without a peer goes to; throws when the channel has no owner. */
  owner(channel: string): string {
    this.entry(channel);
    const owner = this.deps.policy(channel).allowFrom[0];
    if (!owner) throw new ChannelUnavailable(`${channel} has no owner to deliver to: add one to ${channel}.allowFrom, or give a peer.`);
    return owner;
  }

  /** Offers an approval request to the owner of every connected channel: with buttons where the
   * channel has them, else as text answered with "approve ID" / "deny ID". A long one goes in
   * parts within the channel's limit, the buttons under the last. */
  async offerApproval(approval: OfferedApproval): Promise<void> {
    for (const [name, entry] of this.adapters) {
      const owner = this.deps.policy(name).allowFrom[0];
      if (!owner || entry.status.state !== 'connected') continue;
      const { adapter } = entry;
      const parts = approvalOffer(approval, !!adapter.sendApproval);
      const offer = async () => {
        for (const [i, part] of parts.entries()) {
          if (i === parts.length - 1 && adapter.sendApproval) await adapter.sendApproval(owner, part, approval.id);
          else await adapter.send(owner, part);
        }
      };
      await offer().catch((error: Error) => this.deps.log.warn('could not offer an approval', { channel: name, error: error.message }));
    }
  }

  /** A button pressed (or "approve ID" written) in a chat: only the owner may decide. */
  private async decide(channel: string, action: ApprovalAction): Promise<void> {
    if (!isOwner(this.deps.policy(channel), action.sender) || !this.deps.approvals) {
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

  /**
   * Stores, admits and answers one inbound message. Storing is synchronous: when it fails this
   * throws NotStored at once, before anything is answered.
   */
  inbound(message: InboundMessage): Promise<void> {
    const accepted = this.accept(message);
    return accepted ? this.handle(accepted) : Promise.resolve();
  }

  /** Decides who gets what and stores the message; null for a redelivery. Throws NotStored. */
  private accept(message: InboundMessage): Accepted | null {
    const policy = this.deps.policy(message.channel);
    const admission = admit(message, policy, (sender) => this.deps.store.paired(message.channel, sender));
    const flooding = admission === 'answer' && this.flooding(message);
    // Strangers are recorded but never reach the model; a flood is recorded and skipped.
    const status = admission !== 'answer' || flooding ? 'ignored' : this.deps.store.paused(message.channel) ? 'paused' : 'received';
    const correlationId = randomUUID();
    let stored: 'new' | 'duplicate';
    try {
      stored = this.deps.store.receive(message, status, correlationId);
    } catch (error) {
      this.deps.log.error('an inbound message could not be stored; the channel will get it again', { channel: message.channel, error: (error as Error).message });
      throw new NotStored(`could not store an incoming message (${(error as Error).message})`);
    }
    if (stored === 'duplicate') {
      this.deps.observe?.(message.channel, 'duplicate');
      return null;
    }
    return { message, policy, admission, flooding, status, correlationId };
  }

  private async handle({ message, policy, admission, flooding, status, correlationId }: Accepted): Promise<void> {
    const observe = (outcome: InboundOutcome) => this.deps.observe?.(message.channel, outcome);
    const log = { channel: message.channel, correlationId };
    if (admission === 'pair') {
      observe('pairing');
      return this.offerPairing(message, policy);
    }
    if (admission === 'ignore') {
      observe('stranger');
      return this.deps.log.info('message not answered (sender or chat not admitted)', { ...log, group: message.group ?? false });
    }
    if (flooding) {
      observe('flood');
      return this.noticeFlood(message);
    }
    if (status === 'paused') return observe('paused');
    // The owner answering an approval offer in text (channels without buttons).
    const reply = approvalReply(message.text);
    if (reply && roleOf(policy, message) === 'owner') {
      observe('decision');
      this.deps.store.answer(message.channel, message.providerId, message.peer, []);
      return this.decide(message.channel, { sender: message.sender, ...reply, settle: async (outcome) => this.queue(message.channel, message.peer, outcome) });
    }
    // The model's queue is bounded and the global rate capped: past either (or while older messages
    // wait) the message waits in the store, and the chat is told once.
    if (this.backlog || this.answering.size >= this.deps.limits().maxQueuedMessages || this.global.take() > 0) {
      observe('busy');
      this.backlog = true;
      this.noticeBusy(message);
      return this.drain();
    }
    observe('answered');
    await this.answer(message);
  }

  /**
   * Starts answering the oldest waiting messages over every running channel (paused ones wait), as
   * many as the model's queue has room for and the global rate allows (then it comes back when the
   * rate allows more).
   */
  private drain(): void {
    if (this.stopped) return;
    const room = this.deps.limits().maxQueuedMessages - this.answering.size;
    if (room <= 0) {
      this.backlog = true;
      return;
    }
    // Those being answered are still "received" in the store: read past them.
    const pending = this.deps.store.unanswered([...this.adapters.keys()], this.answering.size + room + 1).filter((m) => !this.answering.has(`${m.channel}:${m.providerId}`));
    let waiting = pending.length > room;
    for (const message of pending.slice(0, room)) {
      const wait = this.global.take();
      if (wait > 0) {
        waiting = true;
        this.drainAfter(wait);
        break;
      }
      void this.answer(message).catch((error: Error) => this.deps.log.error('an inbound message failed', { channel: message.channel, error: error.message }));
    }
    this.backlog = waiting;
  }

  private drainAfter(ms: number): void {
    this.drainTimer ??= setTimeout(() => {
      this.drainTimer = null;
      this.drain();
    }, ms);
  }

  private noticeBusy(message: InboundMessage): void {
    const chat = `${message.channel}:${message.peer}`;
    if (this.toldBusy.has(chat)) return;
    this.toldBusy.add(chat);
    this.deps.log.warn('the model queue is full; a message waits', { channel: message.channel, queued: this.answering.size });
    this.queue(message.channel, message.peer, BUSY_NOTICE);
  }

  /** A stranger under the pairing policy gets one code (until it expires); more messages get nothing. */
  private offerPairing(message: InboundMessage, policy: ChannelPolicy): void {
    const { store, log } = this.deps;
    if (store.pendingPairing(message.channel, message.sender)) return;
    if (store.pendingPairings(message.channel) >= MAX_PENDING_PAIRINGS) {
      log.warn('too many pairing requests waiting; a stranger was not offered a code', { channel: message.channel });
      return;
    }
    const pairing = store.createPairing({ channel: message.channel, code: newPairingCode(), sender: message.sender, peer: message.peer, firstMessage: message.text }, policy.pairingTtlMinutes * 60_000);
    log.info('a stranger asked to pair', { channel: message.channel, code: pairing.code });
    this.deps.bus.publish('channel.pairing', publicPairing(pairing));
    this.queue(message.channel, message.peer, pairingOffer(pairing.code, policy.pairingTtlMinutes));
  }

  pairings(status: 'pending' | 'all'): ReturnType<typeof publicPairing>[] {
    return this.deps.store.pairings(status).map(publicPairing);
  }

  /** The owner's answer to a pairing code: an approved sender is told and answered from now on. */
  decidePairing(channel: string, code: string, decision: 'approved' | 'denied'): ReturnType<typeof publicPairing> {
    const pairing = this.deps.store.decidePairing(channel, code, decision);
    if (!pairing) {
      const known = this.deps.store.pairing(channel, code);
      throw known ? new PairingClosed(`Pairing code ${code} is ${known.status} already.`) : new UnknownPairing(`No pairing code ${code} on ${channel}.`);
    }
    this.deps.bus.publish('channel.pairing', publicPairing(pairing));
    if (decision === 'approved') this.queue(channel, pairing.peer, PAIRING_WELCOME);
    return publicPairing(pairing);
  }

  private flooding(message: InboundMessage): boolean {
    const key = `${message.channel}:${message.sender}`;
    let sender = this.senders.get(key);
    if (!sender) {
      const limits = () => ({ perSecond: this.deps.limits().senderPerMinute / 60, burst: this.deps.limits().senderBurst });
      this.senders.set(key, (sender = { bucket: new TokenBucket(limits), noticed: false }));
    }
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
    this.queue(message.channel, message.peer, FLOOD_NOTICE);
  }

  /** Queues a message that answers nothing (a notice, a pairing code, an outcome) and sends it. */
  private queue(channel: string, peer: string, text: string): void {
    this.deps.store.enqueue(channel, peer, text);
    this.deliver(channel);
  }

  private async answer(message: InboundMessage): Promise<void> {
    const key = `${message.channel}:${message.providerId}`;
    if (this.answering.has(key)) return;
    this.answering.add(key);
    let text: string;
    const stopTyping = this.typing(message);
    try {
      const role = roleOf(this.deps.policy(message.channel), message);
      text = (await this.deps.agent.handle({ channel: message.channel, peer: message.peer, text: message.text, role, sourceId: key })).text;
    } catch (error) {
      // A message the agent cannot take (too long for the model): the sender hears why.
      if (error instanceof MessageTooLong) {
        text = error.message;
      } else {
        // It stays unanswered and is tried again a little later (with what waits behind it); after
        // a few failures the sender is told, rather than kept waiting for ever.
        const attempts = (this.failedAttempts.get(key) ?? 0) + 1;
        this.failedAttempts.set(key, attempts);
        if (attempts < ANSWER_ATTEMPTS) {
          this.drainAfter(FAILED_RETRY_MS);
          throw error;
        }
        this.deps.log.error('a message could not be answered; the sender is told', { channel: message.channel, attempts, error: (error as Error).message });
        text = `Sorry, I could not answer this message (${(error as Error).message}). Please send it again later.`;
      }
    } finally {
      stopTyping();
      this.answering.delete(key);
    }
    this.deps.store.answer(message.channel, message.providerId, message.peer, chunkReply(text));
    this.failedAttempts.delete(key);
    this.toldBusy.delete(`${message.channel}:${message.peer}`);
    if (this.backlog) this.drain(); // after it is marked answered, so it is not taken again
    this.deliver(message.channel);
  }

  /** Shows "typing…" while the agent works on a reply; best effort. */
  private typing(message: InboundMessage): () => void {
    const entry = this.adapters.get(message.channel);
    if (!entry?.adapter.typing || entry.status.state !== 'connected') return () => undefined;
    const adapter = entry.adapter;
    const show = () => void adapter.typing!(message.peer).catch(() => undefined);
    show();
    const timer = setInterval(show, TYPING_EVERY_MS);
    return () => clearInterval(timer);
  }

  /** Sends what is due, one message at a time per channel; reschedules itself for what must wait. */
  private deliver(name: string): void {
    const entry = this.adapters.get(name);
    // Nothing is tried while disconnected (so nothing runs out of attempts): reconnecting resumes delivery.
    if (!entry || this.stopped || entry.sending || entry.status.state !== 'connected') return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.sending = true;
    void (async () => {
      try {
        for (;;) {
          const due = this.deps.store.due(name);
          if (due.length === 0 || this.stopped || this.adapters.get(name) !== entry) break; // turned off meanwhile: kept for later
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

/** A pairing as the owner sees it (the chat to answer in stays inside). */
function publicPairing({ peer: _peer, ...pairing }: Pairing) {
  return pairing;
}

/** A stored inbound message and what was decided for it. */
interface Accepted {
  message: InboundMessage;
  policy: ChannelPolicy;
  admission: Admission;
  flooding: boolean;
  status: 'received' | 'ignored' | 'paused';
  correlationId: string;
}

export class UnknownChannel extends Error {}
export class ChannelUnavailable extends Error {}
export class UnknownPairing extends Error {}
export class PairingClosed extends Error {}
