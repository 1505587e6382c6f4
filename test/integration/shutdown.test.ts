import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestCore, TEST_TOKEN } from '../helpers/core';

describe('shutdown', () => {
  it('is not held up by a client that ignores close frames', async () => {
    const core = await startTestCore();
    const socket = net.connect(core.gateway.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      socket.once('connect', () => {
        socket.write(
          `GET /rpc HTTP/1.1\r\nHost: 127.0.0.1:${core.gateway.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n\r\n`,
        );
      });
      socket.once('data', (d) => {
        expect(String(d)).toMatch(/^HTTP\/1\.1 101/);
        resolve();
      });
    });
    // The peer never answers the close frame; without a grace limit ws would wait 30 s.
    const outcome = await Promise.race([
      core.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000)),
    ]);
    expect(outcome).toBe('stopped');
    expect(core.db.open).toBe(false);
    expect(fs.existsSync(`${core.config.dataDir}/perch.pid`)).toBe(false);
    socket.destroy();
  });
});
