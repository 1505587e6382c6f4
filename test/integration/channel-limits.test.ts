import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AdapterHooks, ChannelAdapter } from '../../main/channels/adapter';
import { BUSY_NOTICE, ChannelManager, type ChannelManagerDeps, type InboundLimits } from '../../main/channels/channel-manager';
import { channelMigrations, ChannelStore } from '../../main/channels/channel-store';
import { EventBus } from '../../main/events/bus';
import { createLogger } from '../../main/log/logger';
import { openDatabase } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { tempDataDir } from '../helpers/data-dir';

// The global rate over all senders, with a controllable clock: a minute's worth is taken on at once,
// the rest wait in the store (each chat told once) and are answered as the rate allows, oldest
// first, none lost, none twice.

class RecordingAdapter implements ChannelAdapter {
  constructor(readonly name = 'chat') {}
  hooks: AdapterHooks | null = null;
  sent: Array<{ peer: string; text: string }> = [];
  async start(hooks: AdapterHooks): Promise<void> {
    this.hooks = hooks;
    hooks.status({ state: 'connected' });
  }
  async stop(): Promise<void> {}
  async send(peer: string, text: string): Promise<void> {
    this.sent.push({ peer, text });
  }
}

/** A channel manager on a real SQLite file, with a controllable clock. */
function setup(deps: Pick<ChannelManagerDeps, 'agent' | 'policy' | 'limits'>) {
  vi.useFakeTimers({ now: new Date('2026-05-01T10:00:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  const file = path.join(tempDataDir(), 'perch.db');
  const db = openDatabase(file);
  migrate(db, file, channelMigrations, '0.0.0');
  const manager = new ChannelManager({ store: new ChannelStore(db), bus: new EventBus(), log: createLogger({ dir: null, level: 'error', console: false }), ...deps });
  return { db, manager };
}

describe('the global rate limit on chat messages', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes a minute’s worth at once, then answers the rest as the rate allows', async () => {
    const limits: InboundLimits = { senderBurst: 8, senderPerMinute: 20, maxQueuedMessages: 200, globalPerMinute: 6 };
    const senders = Array.from({ length: 10 }, (_, i) => `u${i}`);
    const { db, manager } = setup({
      agent: { handle: async ({ text }) => ({ conversationId: 'c', messageId: 1, text: `re: ${text}` }) },
      policy: () => ({ allowFrom: senders, dmPolicy: 'allowlist', groupPolicy: 'off', pairingTtlMinutes: 60 }),
      limits: () => limits,
    });
    const adapter = new RecordingAdapter();
    manager.add(adapter);
    await manager.start();
    const answered = () => adapter.sent.filter((m) => m.text.startsWith('re: ')).map((m) => m.text);

    // Ten people write at once: six are taken on (a minute's worth), four wait and are told so.
    for (const [i, sender] of senders.entries()) adapter.hooks!.inbound({ channel: 'chat', providerId: `m${i}`, peer: sender, sender, text: `hello ${i}` });
    await vi.advanceTimersByTimeAsync(100);
    expect(answered()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `re: hello ${i}`));
    expect(adapter.sent.filter((m) => m.text === BUSY_NOTICE).map((m) => m.peer)).toEqual(['u6', 'u7', 'u8', 'u9']);

    // One more every ten seconds (six a minute), oldest first; a new message waits behind them.
    adapter.hooks!.inbound({ channel: 'chat', providerId: 'late', peer: 'u0', sender: 'u0', text: 'one more' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(answered().slice(6)).toEqual(['re: hello 6']);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(answered().slice(6)).toEqual(['re: hello 6', 're: hello 7', 're: hello 8', 're: hello 9', 're: one more']);
    // Each chat heard "busy" once, and nothing waits or was answered twice.
    expect(adapter.sent.filter((m) => m.text === BUSY_NOTICE)).toHaveLength(5);
    expect(new Set(answered()).size).toBe(answered().length);
    expect(db.prepare("SELECT count(*) AS n FROM inbound_messages WHERE status = 'received'").get()).toEqual({ n: 0 });
    await manager.stop();
    db.close();
  });

  it('takes on the oldest waiting message over every channel, leaves a paused channel’s waiting, and retries after a failure', async () => {
    let failOnce = true;
    const { db, manager } = setup({
      agent: {
        handle: async ({ text }) => {
          if (text === 'fails once' && failOnce) {
            failOnce = false;
            throw new Error('the disk is full');
          }
          if (text === 'always fails') throw new Error('something broke');
          return { conversationId: 'c', messageId: 1, text: `re: ${text}` };
        },
      },
      policy: () => ({ allowFrom: ['p'], dmPolicy: 'open', groupPolicy: 'off', pairingTtlMinutes: 60 }),
      limits: () => ({ senderBurst: 100, senderPerMinute: 100, maxQueuedMessages: 200, globalPerMinute: 6 }),
    });
    const a = new RecordingAdapter('a');
    const b = new RecordingAdapter('b');
    manager.add(a);
    manager.add(b);
    await manager.start();
    const say = (adapter: RecordingAdapter, id: string, text: string) => adapter.hooks!.inbound({ channel: adapter.name, providerId: id, peer: id, sender: id, text });
    const answered = () => [...a.sent, ...b.sent].filter((m) => m.text.startsWith('re: ')).map((m) => m.text.slice(4));

    for (let i = 0; i < 6; i++) say(a, `a${i}`, `a${i}`); // the minute's worth
    await vi.advanceTimersByTimeAsync(1_000);
    say(b, 'b-old', 'b-old');
    await vi.advanceTimersByTimeAsync(1_000);
    say(a, 'a-new', 'a-new');
    await vi.advanceTimersByTimeAsync(100);
    expect(answered()).toHaveLength(6);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(b.sent.map((m) => m.text).filter((t) => t.startsWith('re: '))).toEqual(['re: b-old']); // older, though on the second channel
    expect(answered()).not.toContain('a-new');
    // Paused, a channel's waiting messages wait too, and are taken on after resuming.
    manager.pause('a');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(answered()).not.toContain('a-new');
    manager.resume('a');
    await vi.advanceTimersByTimeAsync(100);
    expect(answered().slice(6).sort()).toEqual(['a-new', 'b-old']);

    // An answer that fails leaves its message waiting; the ones behind it are still taken on, and it is tried again.
    say(b, 'f', 'fails once');
    say(b, 'after', 'behind it');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(answered().slice(8).sort()).toEqual(['behind it', 'fails once']);
    // One that keeps failing is given up after five tries, and its sender told.
    say(b, 'never', 'always fails');
    await vi.advanceTimersByTimeAsync(5 * 30_000);
    expect(b.sent.filter((m) => m.peer === 'never').map((m) => m.text)).toEqual(['Sorry, I could not answer this message (something broke). Please send it again later.']);
    expect(db.prepare("SELECT count(*) AS n FROM inbound_messages WHERE status = 'received'").get()).toEqual({ n: 0 });
    await manager.stop();
    db.close();
  });
});
