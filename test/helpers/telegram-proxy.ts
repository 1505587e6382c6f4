import http from 'node:http';
import net from 'node:net';

// The Bot API's confirm-by-offset getUpdates, in front of telegram-test-api. The emulator forgets
// an update as soon as it has handed it out; the real Bot API keeps it until a later getUpdates
// confirms it (with a higher offset), so an update fetched just before a crash is delivered again.
// For crash tests the proxy can also hold new sends (never answered) so that a kill lands on
// sends in flight rather than on one Telegram accepted a moment ago. For the polling watchdog it can
// swallow the next polls (never forwarded, never answered: a connection gone silent).

export interface OffsetProxy {
  url: string;
  /** While true, new sendMessage calls are never answered (in flight at a kill). */
  holdSends: boolean;
  /** How many of the next getUpdates calls are swallowed (Infinity: all, until set back). */
  holdPolls: number;
  /** When each getUpdates arrived (ms since the epoch), and which of them were swallowed. */
  polls: Array<{ at: number; held: boolean }>;
  close(): Promise<void>;
}

export async function offsetProxy(target: string): Promise<OffsetProxy> {
  const state: OffsetProxy = { url: '', holdSends: false, holdPolls: 0, polls: [], close: async () => undefined };
  let unconfirmed: Array<{ update_id: number }> = [];
  let confirmedBelow = 0;
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (state.holdSends && req.url?.endsWith('/sendMessage')) return; // never answered: in flight at the kill
    if (req.url?.endsWith('/getUpdates')) {
      const held = state.holdPolls > 0;
      state.polls.push({ at: Date.now(), held });
      if (held) {
        state.holdPolls--;
        return; // never forwarded (the emulator keeps its updates) and never answered
      }
    }
    try {
      const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, ...(body ? { body } : {}) });
      let text = await upstream.text();
      if (req.url?.endsWith('/getUpdates')) {
        const offset = Number((body ? JSON.parse(body) : {}).offset ?? 0);
        confirmedBelow = Math.max(confirmedBelow, offset);
        unconfirmed = [...unconfirmed, ...JSON.parse(text).result].filter((u) => u.update_id >= confirmedBelow);
        text = JSON.stringify({ ok: true, result: unconfirmed });
      }
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(text);
    } catch {
      res.destroy(); // the emulator went away (the suite is ending)
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  state.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return state;
}

/**
 * A Bot API root that accepts connections and never answers them (a network that swallows
 * packets), until it is switched to forward to a real server on `port` (then new connections go
 * through; the swallowed ones stay swallowed).
 */
export interface SilentRoot {
  url: string;
  /** Connections accepted and held so far. */
  held: number;
  forwardTo(port: number): void;
  close(): Promise<void>;
}

export async function silentRoot(): Promise<SilentRoot> {
  const sockets = new Set<net.Socket>();
  let target: number | null = null;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (target === null) {
      root.held++;
      return; // read nothing, answer nothing
    }
    const upstream = net.connect(target, '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const root: SilentRoot = {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    held: 0,
    forwardTo: (port) => {
      target = port;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return root;
}
