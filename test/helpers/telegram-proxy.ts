import http from 'node:http';

// The Bot API's confirm-by-offset getUpdates, in front of telegram-test-api. The emulator forgets
// an update as soon as it has handed it out; the real Bot API keeps it until a later getUpdates
// confirms it (with a higher offset), so an update fetched just before a crash is delivered again.
// For crash tests the proxy can also hold new sends (never answered) so that a kill lands on
// sends in flight rather than on one Telegram accepted a moment ago.

export interface OffsetProxy {
  url: string;
  /** While true, new sendMessage calls are never answered (in flight at a kill). */
  holdSends: boolean;
  close(): Promise<void>;
}

export async function offsetProxy(target: string): Promise<OffsetProxy> {
  const state: OffsetProxy = { url: '', holdSends: false, close: async () => undefined };
  let unconfirmed: Array<{ update_id: number }> = [];
  let confirmedBelow = 0;
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (state.holdSends && req.url?.endsWith('/sendMessage')) return; // never answered: in flight at the kill
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
