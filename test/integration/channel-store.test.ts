import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { channelMigrations, ChannelStore, DEFAULT_RETRY } from '../../main/channels/channel-store';
import { backoffMs } from '../../main/system/backoff';
import { openDatabase } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { tempDataDir } from '../helpers/data-dir';

// The channels' persistent state on a real SQLite file: idempotent inbound, replies queued with
// their message marked answered in one step, order per peer, retries with capped backoff.

function setup(random = () => 0.5) {
  const file = path.join(tempDataDir(), 'perch.db');
  const db = openDatabase(file);
  migrate(db, file, channelMigrations, '0.0.0');
  const clock = { now: new Date('2026-11-23T10:00:00Z') };
  const store = new ChannelStore(db, () => clock.now, { ...DEFAULT_RETRY, random, maxAttempts: 4 });
  return { db, store, clock, file };
}

const message = (id: string, peer = '42', text = `hello ${id}`) => ({ channel: 'telegram', providerId: id, peer, sender: peer, text });

describe('channel state', () => {
  it('stores a message once however often it is delivered, and answers it once', () => {
    const { store } = setup();
    expect(store.receive(message('1'), 'received')).toBe('new');
    expect(store.receive(message('1'), 'received')).toBe('duplicate');
    expect(store.unanswered(['telegram']).map((m) => m.providerId)).toEqual(['1']);
    store.answer('telegram', '1', '42', ['part one', 'part two']);
    store.answer('telegram', '1', '42', ['again']); // a second answer to the same message: ignored
    expect(store.unanswered(['telegram'])).toEqual([]);
    expect(store.due('telegram').map((o) => o.text)).toEqual(['part one']);
  });

  it('keeps what was accepted but unanswered through a restart', () => {
    const { store, db, file } = setup();
    store.receive(message('7'), 'received');
    store.receive(message('8'), 'paused');
    store.receive(message('9'), 'ignored');
    db.close();
    const reopened = new ChannelStore(openDatabase(file));
    expect(reopened.unanswered(['telegram']).map((m) => m.providerId)).toEqual(['7']);
  });

  it('sends in order per peer, one at a time, with peers independent', () => {
    const { store } = setup();
    store.enqueue('telegram', 'a', 'a1');
    store.enqueue('telegram', 'a', 'a2');
    store.enqueue('telegram', 'b', 'b1');
    expect(store.due('telegram').map((o) => o.text)).toEqual(['a1', 'b1']);
    const [a1] = store.due('telegram');
    store.sent(a1!.id);
    expect(store.due('telegram').map((o) => o.text)).toEqual(['a2', 'b1']);
  });

  it('retries a failed send later with growing, capped, jittered delays, then gives up', () => {
    const { store, clock } = setup();
    store.enqueue('telegram', 'a', 'a1');
    store.enqueue('telegram', 'a', 'a2');
    const first = store.due('telegram')[0]!;
    expect(store.failed(first.id, 'network down')).toBe('retry');
    expect(store.due('telegram')).toEqual([]); // a2 waits behind a1: order is kept
    expect(store.nextDue('telegram')!.getTime() - clock.now.getTime()).toBe(750); // 1 s ceiling, equal jitter at 0.5
    clock.now = new Date(clock.now.getTime() + 750);
    expect(store.due('telegram').map((o) => o.text)).toEqual(['a1']);
    expect(store.failed(first.id, 'network down')).toBe('retry');
    expect(store.failed(first.id, 'network down')).toBe('retry');
    expect(store.failed(first.id, 'network down')).toBe('gave-up');
    clock.now = new Date(clock.now.getTime() + 3_600_000);
    expect(store.due('telegram').map((o) => o.text)).toEqual(['a2']); // the next one goes on
  });

  it('remembers a pause across restarts', () => {
    const { store, db, file } = setup();
    expect(store.paused('telegram')).toBe(false);
    store.setPaused('telegram', true);
    db.close();
    expect(new ChannelStore(openDatabase(file)).paused('telegram')).toBe(true);
  });

  it('never waits longer than the cap, and never less than half the ceiling', () => {
    for (let attempt = 1; attempt < 30; attempt++) {
      const low = backoffMs(attempt, { ...DEFAULT_RETRY, random: () => 0 });
      const high = backoffMs(attempt, { ...DEFAULT_RETRY, random: () => 1 });
      expect(high).toBeLessThanOrEqual(DEFAULT_RETRY.capMs);
      expect(low).toBe(high / 2);
    }
  });

  it('forgets what a chat stored (a wiped conversation), except a message being answered now', () => {
    const { store, db } = setup();
    store.receive(message('1', '42'), 'received');
    store.answer('telegram', '1', '42', ['reply one']);
    store.receive(message('2', '42'), 'received'); // being answered (the /wipe confirm itself)
    store.receive(message('3', '77'), 'received');
    expect(store.forgetPeer('telegram', '42')).toBe(2); // message 1 and its reply
    expect(db.prepare('SELECT provider_id AS id FROM inbound_messages ORDER BY provider_id').all()).toEqual([{ id: '2' }, { id: '3' }]);
    expect(db.prepare('SELECT count(*) AS n FROM outbound_messages').get()).toEqual({ n: 0 });
  });
});
