import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalOffer } from '../../main/channels/approval-offer';
import type { Core } from '../../main/core';
import { isPrivateAddress, ownAddresses, privateRanges, publicOnly, webFetchTool, type FetchGuard } from '../../main/tools/web-fetch';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { fakeWhatsApp } from '../helpers/fake-whatsapp';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { startTelegramPerch, untilChannelConnected, type TelegramPerch } from '../helpers/telegram-chat';

// Limits an attacker leans on: web_fetch reaching reserved ranges or this machine's own interface
// addresses (a LAN address of this host, whatever range it is in), and an approval offer too long
// for a chat message (Telegram refuses past 4,096 characters, so the owner never saw it).

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const TELEGRAM_LIMIT = 4096;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ctx = () => ({ conversationId: null, signal: new AbortController().signal });

describe('web_fetch refuses reserved ranges and this machine’s own addresses', () => {
  it('refuses every documentation, benchmarking, relay, discard, ORCHID and site-local address, in every spelling', () => {
    const refused = [
      '192.0.2.0', '192.0.2.1', '192.0.2.255', '198.51.100.0', '198.51.100.77', '198.51.100.255', '203.0.113.0', '203.0.113.9', '203.0.113.255',
      '192.88.99.0', '192.88.99.1', '192.88.99.255', '::ffff:192.0.2.1', '::ffff:c000:201', '::ffff:cb00:7109',
      '2001:db8::', '2001:db8::1', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:DB8:0:0:0:0:0:1', '100::', '100::1', '100::ffff:ffff:ffff:ffff',
      'fec0::', 'fec0::1', 'feff:ffff::1', 'fed0::5', '2001:10::', '2001:10::1', '2001:1f:ffff::1', '2001:20::1', '2001:2::1', '3fff::1',
      'fe80::1%eth0',
    ];
    expect(refused.filter((a) => !isPrivateAddress(a))).toEqual([]);
    // Just outside each range: public, fetched.
    const allowed = ['192.0.3.1', '192.0.1.255', '198.51.101.1', '198.51.99.255', '203.0.114.1', '203.0.112.255', '192.88.98.255', '192.88.100.1', '2001:db9::1', '2001:db7:ffff::1', '100:0:0:1::1', '2001:30::1', '2001:4860:4860::8888', '::ffff:c000:301'];
    expect(allowed.filter((a) => isPrivateAddress(a))).toEqual([]);
  });

  it('refuses every address of this machine’s interfaces, whatever range it is in', () => {
    const mine = Object.values(os.networkInterfaces()).flat().flatMap((i) => (i ? [i.address] : []));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((a) => !isPrivateAddress(a))).toEqual([]);
    // Without any reserved range, the interface check alone refuses them.
    expect(mine.filter((a) => !isPrivateAddress(a, new net.BlockList()))).toEqual([]);
    // A host with a public address on an interface: that one is refused too, the rest of the internet is not.
    const publicHost = { eth0: [{ address: '93.184.216.34', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '93.184.216.34/24' }] } as NodeJS.Dict<os.NetworkInterfaceInfo[]>;
    expect(isPrivateAddress('93.184.216.34', privateRanges(), () => ownAddresses(publicHost))).toBe(true);
    expect(isPrivateAddress('::ffff:93.184.216.34', privateRanges(), () => ownAddresses(publicHost))).toBe(true);
    expect(isPrivateAddress('93.184.216.35', privateRanges(), () => ownAddresses(publicHost))).toBe(false);
  });

  describe('end to end', () => {
    let core: Core;
    let ws: RpcSocket;
    let trap: http.Server;
    let port = 0;
    const hits: string[] = [];
    beforeAll(async () => {
      // Listens on every interface: any address of this host reaches it.
      trap = http.createServer((req, res) => {
        hits.push(`${req.socket.localAddress} ${req.url}`);
        res.end('secret of this machine');
      });
      await new Promise<void>((resolve) => trap.listen(0, '::', resolve));
      port = (trap.address() as net.AddressInfo).port;
      core = await startTestCore();
      ws = await RpcSocket.open(core.gateway.url, auth);
    });
    afterAll(async () => {
      ws.close();
      await core.stop();
      await new Promise((r) => trap.close(r));
    });

    it('refuses this host’s LAN addresses and reserved ones through the tool', async () => {
      const lan = Object.values(os.networkInterfaces())
        .flat()
        .flatMap((i) => (i && !i.internal && !i.address.startsWith('fe80') ? [i.family === 'IPv6' ? `[${i.address}]` : i.address] : []));
      const targets = [...lan, '192.0.2.1', '198.51.100.1', '203.0.113.1', '192.88.99.1', '[2001:db8::1]', '[100::1]', '[fec0::1]', '[2001:10::1]', '[::ffff:192.0.2.1]'];
      for (const host of targets) {
        const outcome = (await ws.request('tools.invoke', { name: 'web_fetch', args: { url: `http://${host}:${port}/secret` } }, 10_000)).result as { ok: boolean; error?: string };
        expect(outcome, host).toMatchObject({ ok: false, error: expect.stringMatching(/private, local or reserved address/) });
      }
      expect(hits).toEqual([]);
    });

    it('refuses a redirect from a public page to this host’s LAN address or a reserved range', async () => {
      // 127.0.0.3 plays the public internet (as public.test); everything else is judged by the real guard.
      const allowed = http.createServer((req, res) => {
        const to = new URL(req.url!, 'http://x').searchParams.get('to');
        if (to) return res.writeHead(302, { location: to }).end();
        res.end('public page');
      });
      await new Promise<void>((resolve) => allowed.listen(0, '127.0.0.3', resolve));
      const allowedPort = (allowed.address() as net.AddressInfo).port;
      const guard: FetchGuard = {
        resolve: (host) => (host === 'public.test' ? Promise.resolve(['127.0.0.3']) : publicOnly.resolve(host)),
        blocked: (address) => address !== '127.0.0.3' && publicOnly.blocked(address),
      };
      const tool = webFetchTool(guard);
      const via = (to: string) => (tool.run({ url: `http://public.test:${allowedPort}/r?to=${encodeURIComponent(to)}` }, ctx()) as Promise<string>).then((page) => page, (e: Error) => `Error: ${e.message}`);
      try {
        expect(await via('/')).toMatch(/public page$/); // the control: a public redirect is followed
        const lan = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4')?.address;
        for (const to of [...(lan ? [`http://${lan}:${port}/`] : []), `http://192.0.2.9:${port}/`, `http://[2001:db8::9]:${port}/`, `http://[fec0::9]:${port}/`]) {
          expect(await via(to), to).toMatch(/^Error: .*private, local or reserved address/);
        }
        expect(hits).toEqual([]);
      } finally {
        await new Promise((r) => allowed.close(r));
      }
    });
  });
});

/** Takes the parts apart again: the command as the owner read it across them. */
function commandFrom(parts: string[]): string {
  const body = parts
    .map((p) => p.replace(/^Part \d+ of \d+\n/, ''))
    .map((p, i, all) => (i > 0 && all[i - 1]!.endsWith(' …') ? p.replace(/^… /, '') : p))
    .map((p) => p.replace(/ …$/, ''))
    .join('');
  // A high-risk offer opens with a warning line.
  return body.slice(body.indexOf('Perch wants to run:\n') + 'Perch wants to run:\n'.length, body.lastIndexOf('\nin '));
}

describe('approval offers are cut to the chat’s limit, the buttons under the last part', () => {
  it('splits any command exactly (lines, one long run, emoji at the cut), every part within the limit', () => {
    const commands = [
      `printf '%s' '${'a'.repeat(7_980)}'`,
      Array.from({ length: 400 }, (_, i) => `echo line ${i}`).join('\n'),
      `echo ${'🐦'.repeat(3_990)}`,
      `echo ${'x '.repeat(3_900)}\ntouch hidden-after-many-spaces`,
    ];
    const risks = ['No known risk found.', `Warning: ${'a long risk note. '.repeat(300)}`];
    for (const [command, risk] of [...commands.map((c) => [c, risks[0]!]), [commands[1]!, risks[1]!], ['rm -rf ~', risks[1]!.repeat(2)]] as const) {
      for (const buttons of [true, false]) {
        const parts = approvalOffer({ id: 'abc123', command, cwd: '/home/me/workspace', risk }, buttons);
        expect(parts.length, command.slice(0, 20)).toBeGreaterThan(1);
        expect(parts.filter((p) => p.length > 4_000)).toEqual([]);
        expect(commandFrom(parts)).toBe(command);
        expect(parts.join('')).toContain(risk.slice(-40));
        expect(parts.at(-1)).toContain('(approval abc123)');
        if (!buttons) expect(parts.at(-1)).toContain('Reply "approve abc123"');
        // No lone surrogate anywhere (an emoji cut in two).
        expect(parts.filter((p) => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(p))).toEqual([]);
      }
    }
    // A short one stays one message, as before.
    expect(approvalOffer({ id: 'abc123', command: 'ls', cwd: '/w', risk: 'r' }, true)).toEqual(['Perch wants to run:\nls\nin /w\n\nr\n\n(approval abc123)']);
  });

  describe('on Telegram', () => {
    const BOT_TOKEN = '123456:perch-test-token-abcdefghijkl';
    const OWNER = 1001;
    let perch: TelegramPerch;
    let emulator: TelegramServer;
    let core: Core;
    let ws: RpcSocket;
    beforeAll(async () => {
      perch = await startTelegramPerch(BOT_TOKEN, [OWNER]);
      ({ emulator, core, ws } = perch);
    });
    afterAll(() => perch.stop());

    it('an 8,000-character command arrives whole in parts within 4,096 characters; Approve under the last runs it once', async () => {
      const toOwner = () => (emulator.storage.botMessages as any[]).filter((u) => String(u.message.chat_id) === String(OWNER));
      const before = toOwner().length;
      const head = `printf '%s\\n' '${'a'.repeat(7_900)}' > long-offer.txt`;
      const command = `${head}\necho hidden-tail >> long-offer.txt`.padEnd(8_000, ' ').trimEnd();
      await ws.request('events.subscribe', { events: ['approval.requested'] });
      const reply = ws.request('tools.invoke', { name: 'exec', args: { command } }, 20_000);
      const { params: approval } = await ws.waitFor((f) => f.method === 'approval.requested');
      for (let i = 0; i < 250 && !toOwner().slice(before).some((u) => u.message.reply_markup); i++) await sleep(20);
      const sent = toOwner().slice(before);
      const texts = sent.map((u) => u.message.text as string);
      expect(texts.length).toBeGreaterThan(1);
      expect(texts.filter((t) => t.length > TELEGRAM_LIMIT)).toEqual([]);
      expect(commandFrom(texts)).toBe(command);
      // The buttons come once, under the last part.
      expect(sent.map((u) => !!u.message.reply_markup)).toEqual(texts.map((_, i) => i === texts.length - 1));
      const last = sent.at(-1)!;
      expect(last.message.text).toContain(`(approval ${approval.id})`);
      const buttons = JSON.parse(JSON.stringify(last.message.reply_markup)).inline_keyboard[0].map((b: any) => b.callback_data);
      expect(buttons).toEqual([`approve:${approval.id}`, `deny:${approval.id}`]);

      const client = emulator.getClient(BOT_TOKEN, { userId: OWNER, chatId: OWNER });
      await client.sendCallback(client.makeCallbackQuery(`approve:${approval.id}`, { message: { message_id: last.messageId, chat: { id: OWNER }, text: last.message.text } as any }) as any);
      expect((await reply).result).toMatchObject({ ok: true, exitCode: 0 });
      expect(fs.readFileSync(path.join(core.config.dataDir, 'workspace', 'long-offer.txt'), 'utf8')).toBe(`${'a'.repeat(7_900)}\nhidden-tail\n`);
      // The offer is edited to say how it went, still within the limit, the outcome whole.
      for (let i = 0; i < 100 && !String(last.message.text).includes('Approved'); i++) await sleep(20);
      expect(last.message.text.length).toBeLessThanOrEqual(TELEGRAM_LIMIT);
      expect(last.message.text).toMatch(/Approved: ran \(exit code 0\)\.$/);
    });
  });

  describe('on WhatsApp (no buttons)', () => {
    const OWNER = '+4915100000001';
    const jid = (phone: string) => `${phone.slice(1)}@s.whatsapp.net`;
    const wa = fakeWhatsApp();
    let model: ModelServer;
    let core: Core;
    let ws: RpcSocket;
    const sentTo = () => wa.sockets.flatMap((s) => s.sent).filter((m) => m.jid === jid(OWNER)).map((m) => m.text);
    beforeAll(async () => {
      model = await startOpenAIServer();
      core = await startTestCore({ PERCH_WHATSAPP: '1', PERCH_WHATSAPP_ALLOW_FROM: jid(OWNER), PERCH_MODEL: `openai:gpt-test@${model.url}/v1` }, { whatsappSocket: wa.factory });
      ws = await RpcSocket.open(core.gateway.url, auth);
      for (let i = 0; i < 250 && wa.sockets.length === 0; i++) await sleep(20);
      wa.latest().open();
      await untilChannelConnected(ws);
    });
    afterAll(async () => {
      ws.close();
      await core.stop();
      await model.close();
    });

    it('sends the parts within the limit, the "approve ID" instruction in the last; replying runs it', async () => {
      const before = sentTo().length;
      const command = `printf '%s' '${'b'.repeat(7_950)}' > wa-offer.txt`;
      await ws.request('events.subscribe', { events: ['approval.requested'] });
      const reply = ws.request('tools.invoke', { name: 'exec', args: { command } }, 20_000);
      const { params: approval } = await ws.waitFor((f) => f.method === 'approval.requested');
      for (let i = 0; i < 250 && !sentTo().slice(before).some((t) => t.includes(`"approve ${approval.id}"`)); i++) await sleep(20);
      const parts = sentTo().slice(before);
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.filter((t) => t.length > 4_000)).toEqual([]);
      expect(commandFrom(parts)).toBe(command);
      expect(parts.findIndex((t) => t.includes(`approve ${approval.id}`))).toBe(parts.length - 1);
      wa.latest().message(OWNER, `approve ${approval.id}`, 'WA-APPROVE-1');
      expect((await reply).result).toMatchObject({ ok: true, exitCode: 0 });
      expect(fs.readFileSync(path.join(core.config.dataDir, 'workspace', 'wa-offer.txt'), 'utf8')).toBe('b'.repeat(7_950));
    });
  });
});
