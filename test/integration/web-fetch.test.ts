import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedFetch, isPrivateAddress, webFetchTool, type FetchGuard } from '../../main/tools/web-fetch';

// web_fetch's guard against server-side request forgery: private, loopback, link-local and
// metadata addresses are refused, whether written as an address, reached through a name, or
// through a redirect. Here 127.0.0.1 stands in for "a public server" (nothing else is reachable);
// everything else on loopback stays private.

describe('the address check', () => {
  it('refuses every private, local, reserved and metadata range, and mapped forms of them', () => {
    const refused = ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.10', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::5', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '64:ff9b::7f00:1', 'fd00:ec2::254', '::127.0.0.1', '::ffff:0:7f00:1', '2002:7f00:1::', '2001:0:7f00:1::1', 'not-an-ip'];
    expect(refused.filter((a) => !isPrivateAddress(a))).toEqual([]);
    const allowed = ['93.184.216.34', '1.1.1.1', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.216.34', '172.32.0.1', '192.169.0.1'];
    expect(allowed.filter((a) => isPrivateAddress(a))).toEqual([]);
  });
});

describe('web_fetch', () => {
  let server: http.Server;
  let port = 0;
  const names: Record<string, string> = {};
  // 127.0.0.1 plays the public internet in these tests; the rest of loopback stays private.
  const guard: FetchGuard = {
    resolve: async (host) => (names[host] ? [names[host]] : Promise.reject(new Error('ENOTFOUND'))),
    blocked: (address) => address !== '127.0.0.1' && isPrivateAddress(address),
  };
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/page') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><script>x()</script><h1>Hello</h1><p>from a public page</p></html>');
      if (req.url === '/to-internal') return res.writeHead(302, { location: `http://127.0.0.2:${port}/secret` }).end();
      if (req.url === '/to-metadata') return res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (req.url === '/to-name') return res.writeHead(302, { location: `http://internal.test:${port}/secret` }).end();
      if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
      if (req.url === '/cut') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
        res.write('only the first part');
        return setTimeout(() => res.destroy(), 20);
      }
      if (req.url === '/slow') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('a trickle');
        return; // never ends
      }
      if (req.url === '/big') return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(2_000_000));
      res.writeHead(200).end('secret stuff');
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    port = (server.address() as { port: number }).port;
    names['public.test'] = '127.0.0.1';
    names['internal.test'] = '127.0.0.2';
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches a public page as text', async () => {
    const out = await webFetchTool(guard).run({ url: `http://public.test:${port}/page` }, { conversationId: null, signal: new AbortController().signal });
    expect(out).toBe(`200 http://public.test:${port}/page\n\nHello from a public page`);
  });

  it('refuses private addresses, names that resolve to them, and redirects to them', async () => {
    const refused = async (url: string) => (await guardedFetch(url, guard).then(() => 'fetched', (e: Error) => e.message)) as string;
    expect(await refused(`http://127.0.0.2:${port}/secret`)).toMatch(/private, local or reserved address \(127\.0\.0\.2\)/);
    expect(await refused(`http://[::1]:${port}/secret`)).toMatch(/private/);
    expect(await refused(`http://internal.test:${port}/secret`)).toMatch(/private/);
    expect(await refused(`http://public.test:${port}/to-internal`)).toMatch(/127\.0\.0\.2/);
    expect(await refused(`http://public.test:${port}/to-metadata`)).toMatch(/169\.254\.169\.254/);
    expect(await refused(`http://public.test:${port}/to-name`)).toMatch(/private/);
    expect(await refused(`http://public.test:${port}/loop`)).toMatch(/More than 5 redirects/);
    expect(await refused(`file:///etc/passwd`)).toMatch(/Only http and https/);
    expect(await refused(`http://user:pw@public.test:${port}/page`)).toMatch(/user name or password/);
    expect(await refused(`http://nowhere.test/`)).toMatch(/Cannot resolve nowhere\.test/);
  });

  it('says a page cut off mid-way is incomplete, and gives up on one that never ends when cancelled', async () => {
    await expect(guardedFetch(`http://public.test:${port}/cut`, guard)).rejects.toThrow(/closed before the page was complete/);
    const cancel = new AbortController();
    const slow = guardedFetch(`http://public.test:${port}/slow`, guard, cancel.signal);
    setTimeout(() => cancel.abort(), 100);
    await expect(slow).rejects.toThrow();
  });

  it('caps what it reads', async () => {
    const page = await guardedFetch(`http://public.test:${port}/big`, guard);
    expect(page.truncated).toBe(true);
    expect(page.text.length).toBeLessThanOrEqual(512 * 1024);
  });

  it('with the default guard, refuses Perch’s own machine', async () => {
    const ctx = { conversationId: null, signal: new AbortController().signal };
    await expect(webFetchTool().run({ url: `http://127.0.0.1:${port}/secret` }, ctx)).rejects.toThrow(/^127\.0\.0\.1:\d+ is a private, local or reserved address/);
    await expect(webFetchTool().run({ url: `http://localhost:${port}/secret` }, ctx)).rejects.toThrow(/^localhost:\d+ is a private/);
    // The old IPv4-compatible and the IPv4-translated forms of loopback.
    await expect(webFetchTool().run({ url: `http://[::127.0.0.1]:${port}/secret` }, ctx)).rejects.toThrow(/is a private/);
    await expect(webFetchTool().run({ url: `http://[::ffff:0:7f00:1]:${port}/secret` }, ctx)).rejects.toThrow(/is a private/);
  });
});
