import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import { z } from 'zod';
import { defineTool } from './registry';

// The agent's web_fetch: GET a public web page, capped in size and time. Every address a name
// resolves to is checked against private, loopback, link-local and metadata ranges, the request
// connects to the checked address (a second lookup cannot swap in another: no DNS rebinding), and
// every redirect is checked again. Perch's own gateway and the owner's LAN are out of reach, and
// so is every address of this machine's own interfaces (whatever range it is in).

const MAX_BYTES = 512 * 1024;
const TIMEOUT_MS = 15_000;
const MAX_REDIRECTS = 5;

/** Ranges a fetch must never reach. */
export function privateRanges(): net.BlockList {
  const list = new net.BlockList();
  for (const [address, prefix] of [
    ['0.0.0.0', 8], // "this network"
    ['10.0.0.0', 8],
    ['100.64.0.0', 10], // carrier-grade NAT
    ['127.0.0.0', 8],
    ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24], // documentation (TEST-NET-1)
    ['192.88.99.0', 24], // old 6to4 relay anycast
    ['192.168.0.0', 16],
    ['198.18.0.0', 15], // benchmarking
    ['198.51.100.0', 24], // documentation (TEST-NET-2)
    ['203.0.113.0', 24], // documentation (TEST-NET-3)
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, broadcast
  ] as const) {
    list.addSubnet(address, prefix, 'ipv4');
  }
  for (const [address, prefix] of [
    ['::', 96], // unspecified, loopback and the old IPv4-compatible form (::a.b.c.d)
    ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
    ['100::', 64], // discard-only
    ['2001:2::', 48], // benchmarking
    ['2001:10::', 28], // ORCHID
    ['2001:20::', 28], // ORCHIDv2
    ['2001:db8::', 32], // documentation
    ['3fff::', 20], // documentation (2024)
    ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['ff00::', 8], // multicast
    ['64:ff9b::', 96], // NAT64 (wraps IPv4)
    ['2002::', 16], // 6to4 (wraps IPv4)
    ['2001::', 32], // Teredo (wraps IPv4)
  ] as const) {
    list.addSubnet(address, prefix, 'ipv6');
  }
  return list;
}

const defaultRanges = privateRanges();

/** This machine's own addresses (read each time: interfaces and DHCP leases change). */
export function ownAddresses(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): net.BlockList {
  const list = new net.BlockList();
  for (const info of Object.values(interfaces).flat()) {
    if (!info) continue;
    const address = info.address.replace(/%.*$/, ''); // a link-local's zone
    const family = net.isIP(address);
    if (family) list.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/**
 * Whether an address is off limits: in a reserved range, or one of this machine's own (IPv4-mapped
 * IPv6 addresses are checked as IPv4).
 */
export function isPrivateAddress(address: string, ranges: net.BlockList = defaultRanges, own: () => net.BlockList = ownAddresses): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = (mapped ?? address).replace(/%.*$/, '');
  const family = net.isIP(plain);
  if (family === 0) return true; // not an address: refuse
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return ranges.check(plain, type) || own().check(plain, type);
}

export interface FetchGuard {
  resolve(host: string): Promise<string[]>;
  blocked(address: string): boolean;
}

export const publicOnly: FetchGuard = {
  resolve: async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address),
  blocked: (address) => isPrivateAddress(address),
};

export class FetchRefused extends Error {}

/** Fetches a URL with the guard on every hop; returns the status, type and text (capped). */
export async function guardedFetch(raw: string, guard: FetchGuard = publicOnly, signal?: AbortSignal): Promise<{ url: string; status: number; type: string; text: string; truncated: boolean }> {
  let url = new URL(raw);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefused(`Only http and https can be fetched, not ${url.protocol}`);
    if (url.username || url.password) throw new FetchRefused('Addresses with a user name or password are not fetched.');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = net.isIP(host) ? [host] : await guard.resolve(host).catch((error: Error) => Promise.reject(new FetchRefused(`Cannot resolve ${host}: ${error.message}`)));
    const bad = addresses.find((a) => guard.blocked(a));
    if (bad || addresses.length === 0) throw new FetchRefused(`${url.host} is a private, local or reserved address (${bad ?? 'none'}): not fetched.`);
    const response = await request(url, addresses[0]!, signal);
    if (response.status >= 300 && response.status < 400 && response.location) {
      url = new URL(response.location, url);
      continue;
    }
    return { url: url.toString(), ...response };
  }
  throw new FetchRefused(`More than ${MAX_REDIRECTS} redirects: not followed.`);
}

function request(url: URL, address: string, signal?: AbortSignal): Promise<{ status: number; type: string; text: string; truncated: boolean; location?: string }> {
  const client = url.protocol === 'https:' ? https : http;
  // A whole-request deadline (the socket's own timeout only notices silence), and the caller's cancel.
  const deadline = AbortSignal.timeout(TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'GET',
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        headers: { 'User-Agent': 'Perch/0.1 (personal assistant)', Accept: 'text/html,text/plain,application/json;q=0.9,*/*;q=0.5' },
        // Connect to the address that was checked, whatever a second lookup would say.
        lookup: (_host, options, callback) => {
          const family = net.isIP(address);
          if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
          else callback(null, address, family);
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (size >= MAX_BYTES) {
            truncated = true;
            res.destroy();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        const done = () => {
          // Cut off mid-way (not by our own cap): an error, not a page that looks whole.
          if (!res.complete && !truncated) return reject(new Error('the connection closed before the page was complete'));
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).subarray(0, MAX_BYTES).toString('utf8'),
            truncated: truncated || size > MAX_BYTES,
            ...(res.headers.location ? { location: res.headers.location } : {}),
          });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', (error) => (truncated ? done() : reject(new Error(`the connection closed before the page was complete (${error.message})`))));
      },
    );
    req.on('error', (error) => reject(deadline.aborted ? new Error(`no complete answer within ${TIMEOUT_MS / 1000} s`) : error));
    req.end();
  });
}

export function webFetchTool(guard: FetchGuard = publicOnly) {
  return defineTool({
    name: 'web_fetch',
    description: 'Fetch a public web page (http or https) and return its text (at most 512 KB). Private, local and internal addresses are refused.',
    schema: z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(2_000) }),
    danger: false,
    forContacts: true,
    timeoutMs: 30_000,
    // A refusal or a network failure throws: the call is reported as failed, with the reason.
    async run({ url }, ctx) {
      const page = await guardedFetch(url, guard, ctx.signal);
      const text = /html/i.test(page.type) ? page.text.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() : page.text;
      return `${page.status} ${page.url}${page.truncated ? ' (cut at 512 KB)' : ''}\n\n${text.slice(0, 20_000)}`;
    },
  });
}
