import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AdapterHooks, ChannelAdapter } from '../../main/channels/adapter';
import { ChannelManager } from '../../main/channels/channel-manager';
import { channelMigrations, ChannelStore } from '../../main/channels/channel-store';
import { EventBus } from '../../main/events/bus';
import { createLogger } from '../../main/log/logger';
import { openDatabase } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { tempDataDir } from '../helpers/data-dir';

// Reconnection timing with a controllable clock: a channel whose connection keeps failing is
// restarted after 2, 4, 8… seconds (half fixed, half jitter), capped at 5 minutes; a success
// resets the wait; a logged-out channel is not retried at all.

class FlakyAdapter implements ChannelAdapter {
  readonly name = 'flaky';
  starts: number[] = [];
  outcome: 'error' | 'connected' | 'logged-out' = 'error';
  async start(hooks: AdapterHooks): Promise<void> {
    this.starts.push(Date.now());
    if (this.outcome === 'error') throw new Error('cannot reach the network');
    hooks.status({ state: this.outcome });
  }
  async stop(): Promise<void> {}
  async send(): Promise<void> {}
}

function setup(random: () => number) {
  const file = path.join(tempDataDir(), 'perch.db');
  const db = openDatabase(file);
  migrate(db, file, channelMigrations, '0.0.0');
  const adapter = new FlakyAdapter();
  const bus = new EventBus();
  const manager = new ChannelManager({
    store: new ChannelStore(db),
    agent: { handle: async () => ({ conversationId: 'c', messageId: 1, text: '' }) },
    bus,
    log: createLogger({ dir: null, level: 'error', console: false }),
    policy: () => ({ allowFrom: [], dmPolicy: 'allowlist', groupPolicy: 'off', pairingTtlMinutes: 60 }),
    reconnect: { baseMs: 2_000, capMs: 300_000, random },
    limits: () => ({ senderBurst: 8, senderPerMinute: 20, maxQueuedMessages: 200, globalPerMinute: 1200 }),
  });
  manager.add(adapter);
  return { adapter, manager };
}

describe('reconnecting a channel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('backs off 2, 4, 8 … s up to 5 minutes, shows when it will retry, and starts over after a success', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    const { adapter, manager } = setup(() => 1); // no jitter below the ceiling: the waits are exact
    await manager.start();
    for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(300_000);
    const waits = adapter.starts.slice(1).map((t, i) => t - adapter.starts[i]!);
    expect(waits.slice(0, 9)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000]);
    expect(manager.list()[0]).toMatchObject({ state: 'error', detail: 'cannot reach the network', nextRetryAt: new Date(adapter.starts.at(-1)! + 300_000).toISOString() });

    adapter.outcome = 'connected';
    await vi.advanceTimersByTimeAsync(300_000);
    expect(manager.list()[0]).toMatchObject({ state: 'connected', nextRetryAt: null });
    await manager.stop();
  });

  it('puts jitter in the second half of each wait', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    const { adapter, manager } = setup(() => 0); // all jitter at its lowest
    await manager.start();
    await vi.advanceTimersByTimeAsync(100_000);
    const waits = adapter.starts.slice(1).map((t, i) => t - adapter.starts[i]!);
    expect(waits.slice(0, 4)).toEqual([1_000, 2_000, 4_000, 8_000]);
    await manager.stop();
  });

  it('does not retry a logged-out channel, and does nothing at all while it waits', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    const { adapter, manager } = setup(() => 0.5);
    adapter.outcome = 'logged-out';
    await manager.start();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(adapter.starts).toHaveLength(1);
    expect(manager.list()[0]).toMatchObject({ state: 'logged-out', nextRetryAt: null });
    await manager.stop();
  });
});
