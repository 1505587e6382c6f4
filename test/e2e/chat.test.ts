import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { MARKDOWN_REPLY, slowChunk, startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';

// The chat, the home of the dashboard, in real Chromium against the headless app (as `npm run
// serve`), answered by the scripted OpenAI-compatible server running in this process (so the time
// its stream is cut off is measured on the model's side): New chat, markdown and Copy, Stop,
// Regenerate, Edit, the composer's limits, keyboard, and screenshots light and dark, wide and narrow.

const shots = path.resolve(__dirname, '../../test-results');
let browser: Browser;
let app: ServeProcess;
let model: ModelServer;
let ws: RpcSocket;
let base: string;

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  model = await startOpenAIServer();
  const port = await freePort();
  app = spawnServe({
    PERCH_DATA_DIR: tempDataDir(),
    PERCH_GATEWAY_PORT: String(port),
    PERCH_GATEWAY_TOKEN: TEST_TOKEN,
    PERCH_MODEL: `openai:gpt-test@${model.url}/v1`,
    PERCH_OPENAI_API_KEY: 'sk-test-0123456789abcdefghijklmnop',
  });
  const { gateway } = await waitForStart(app, 60_000);
  base = `http://127.0.0.1:${port}/`;
  ws = await RpcSocket.open(gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
  await ws.request('settings.update', { patch: { memory: { recallLimit: 0 } } });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  ws?.close();
  await browser?.close();
  app?.child.kill('SIGTERM');
  await app?.exited;
  await model?.close();
});

interface Opened {
  page: Page;
  context: BrowserContext;
  errors: string[];
}

/** The chat signed in with the gateway token, in a context that may use the clipboard. */
async function openChat(options: { width?: number; height?: number; dark?: boolean; hash?: string } = {}): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 860 }, colorScheme: options.dark ? 'dark' : 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base.replace(/\/$/, '') });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${base}${options.hash ?? ''}`);
  await signIn(page);
  return { page, context, errors };
}

async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Gateway token').fill(TEST_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('composer').waitFor({ timeout: 15_000 });
}

const composer = (page: Page) => page.getByTestId('chat-input');
const replies = (page: Page) => page.getByTestId('message-assistant');
/** What the owner's messages say (without their time and buttons). */
const userTexts = (page: Page) => page.getByTestId('message-user').locator('.chat-msg-body').allTextContents();
const hashId = (page: Page) => page.evaluate(() => /^#\/chat\/([\w-]+)$/.exec(window.location.hash)?.[1] ?? null);
const dashboardConversations = async () => ((await ws.request('conversations.list', { limit: 200 })).result.items as Array<{ id: string; channel: string; title: string }>).filter((c) => c.channel === 'dashboard');

/** Sends with Enter and waits for the stored reply (the list of replies grows by one). */
async function sendAndWait(page: Page, text: string, expectReply: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await replies(page).filter({ hasText: expectReply }).last().waitFor({ timeout: 20_000 });
  await page.getByTestId('send').waitFor(); // Stop became Send again: the reply is stored
}

/** Waits until the server recorded one more abandoned stream; returns it. */
async function nextAbandon(count: number): Promise<ModelServer['abandoned'][number]> {
  const deadline = Date.now() + 5_000;
  while (model.abandoned.length <= count) {
    if (Date.now() > deadline) throw new Error('the model call was not aborted');
    await new Promise((r) => setTimeout(r, 2));
  }
  return model.abandoned[count]!;
}

const noSidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

describe('the chat, home of the dashboard', () => {
  it('starts a new conversation with each New chat; each keeps its own history after a reload', async () => {
    const { page, context, errors } = await openChat();
    const before = (await dashboardConversations()).length;
    await page.getByTestId('chat-empty').getByRole('heading', { name: 'What can I help with?' }).waitFor();
    await sendAndWait(page, 'apples are red', 'You said: apples are red');
    const first = await hashId(page);
    expect(first).toBeTruthy();
    await page.getByTestId('conversation-list').getByText('apples are red').waitFor();

    // Ctrl+N starts another (window-wide: the focus is in the composer here).
    await page.keyboard.press('Control+n');
    await page.getByTestId('chat-empty').waitFor();
    expect(await hashId(page)).toBeNull();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('chat-input');
    await sendAndWait(page, 'bananas are yellow', 'You said: bananas are yellow');
    const second = await hashId(page);
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);

    // The New chat button too: a third, asked a second time in the first one afterwards.
    await page.getByTestId('new-chat').click();
    await sendAndWait(page, 'cherries are dark', 'You said: cherries are dark');
    const third = await hashId(page);
    expect(new Set([first, second, third]).size).toBe(3);
    await page.getByTestId('conversation-list').getByRole('button', { name: /apples are red/ }).click();
    await expect.poll(() => hashId(page)).toBe(first);
    await sendAndWait(page, 'more about apples', 'You said: more about apples');

    const listed = await dashboardConversations();
    expect(listed.length).toBe(before + 3);
    expect(listed.map((c) => c.title)).toEqual(expect.arrayContaining(['apples are red', 'bananas are yellow', 'cherries are dark']));

    // A reload signs in again and comes back to the open conversation, with its own history only.
    await page.reload();
    await signIn(page);
    await expect.poll(() => hashId(page)).toBe(first);
    await replies(page).filter({ hasText: 'more about apples' }).waitFor();
    expect(await userTexts(page)).toEqual(['apples are red', 'more about apples']);
    expect(await page.getByTestId('chat-title').textContent()).toBe('apples are red');
    await page.getByTestId('conversation-list').getByRole('button', { name: /bananas are yellow/ }).click();
    await replies(page).filter({ hasText: 'You said: bananas are yellow' }).waitFor();
    expect(await userTexts(page)).toEqual(['bananas are yellow']);
    expect(await page.getByTestId('messages').textContent()).not.toContain('apples');

    // Rename in place; Delete asks first.
    await page.getByRole('button', { name: 'Rename “bananas are yellow”' }).click();
    await page.getByTestId('rename-input').fill('Fruit colours');
    await page.getByTestId('rename-input').press('Enter');
    await page.getByTestId('conversation-list').getByText('Fruit colours').waitFor();
    expect((await dashboardConversations()).find((c) => c.id === second)?.title).toBe('Fruit colours');
    expect(await page.getByRole('button', { name: 'Delete “cherries are dark”' }).count()).toBe(0); // only on the open one
    await page.getByRole('button', { name: 'Delete “Fruit colours”' }).click();
    await page.getByRole('button', { name: 'Keep' }).click();
    expect((await dashboardConversations()).some((c) => c.id === second)).toBe(true);
    await page.getByRole('button', { name: 'Delete “Fruit colours”' }).click();
    await page.getByRole('button', { name: 'Delete for good' }).click();
    await page.getByTestId('chat-empty').waitFor();
    expect((await dashboardConversations()).some((c) => c.id === second)).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('renders a markdown reply (heading, list, link, table, highlighted code) without raw HTML; Copy puts the code on the clipboard', async () => {
    const { page, context, errors } = await openChat();
    await page.getByTestId('new-chat').click();
    await sendAndWait(page, 'markdown please', 'Plan for today');
    const reply = replies(page).last();
    expect(await reply.locator('h2').textContent()).toBe('Plan for today');
    expect(await reply.locator('ul > li').allTextContents()).toEqual(['Water the plants', 'Call the bank']);
    expect(await reply.locator('li strong').textContent()).toBe('plants');
    const link = reply.getByRole('link', { name: 'the guide' });
    expect(await link.getAttribute('href')).toBe('https://example.com/guide');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await reply.getByRole('link', { name: 'this one' }).count()).toBe(0); // javascript: is no link
    await reply.getByText('this one').waitFor();
    expect(await reply.locator('table th').allTextContents()).toEqual(['Task', 'Minutes']);
    expect(await reply.locator('table tbody tr').count()).toBe(2);
    expect(await reply.locator('pre code.language-js .hljs-keyword').first().textContent()).toBe('const');
    // Raw HTML is left out: no bold from <b>, no image, nothing ran.
    expect(await reply.locator('b, img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    const code = /```js\n([\s\S]*?)```/.exec(MARKDOWN_REPLY)![1]!;
    await reply.getByRole('button', { name: 'Copy the js code' }).click();
    await reply.locator('.chat-code').getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);
    // Copy on the message gives its markdown as written.
    await reply.getByRole('button', { name: 'Copy the reply' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(MARKDOWN_REPLY);

    // The colours pass axe (contrast included) in light and dark.
    for (const dark of [false, true]) {
      await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
      const { violations } = await new AxeBuilder({ page: page as never }).analyze();
      const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    }
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('Stop aborts the model call within 200 ms and keeps the partial reply; Regenerate replaces it; Edit resends; Esc stops too', async () => {
    const { page, context, errors } = await openChat();
    await page.getByTestId('new-chat').click();
    await composer(page).fill('slow: 150');
    await page.getByTestId('send').click();
    const streaming = page.getByTestId('streaming');
    await streaming.getByText(slowChunk(5).trim()).waitFor({ timeout: 10_000 });
    const stop = page.getByTestId('stop');
    expect(await stop.textContent()).toBe('Stop');
    await page.screenshot({ path: path.join(shots, 'chat-light-1280-streaming.png') });
    const abandoned = model.abandoned.length;
    const clickedAt = performance.now();
    await stop.click();
    const cut = await nextAbandon(abandoned);
    const stopMs = cut.at - clickedAt;
    console.log(`[chat] Stop → model stream closed on the server: ${stopMs.toFixed(1)} ms (after ${cut.written} of ${cut.of} chunks)`);
    expect(stopMs).toBeLessThan(200);
    expect(cut.written).toBeLessThan(cut.of);

    // The partial reply is stored and shown, marked Stopped; nothing more arrives.
    const partial = replies(page).last();
    await partial.getByTestId('stopped').waitFor();
    const kept = (await partial.locator('.chat-msg-body').textContent())!;
    expect(kept.startsWith('w0 w1 w2')).toBe(true);
    expect(kept).toContain(slowChunk(5).trim());
    expect(kept).not.toContain(slowChunk(cut.of - 1).trim());
    await page.waitForTimeout(300);
    expect(await partial.locator('.chat-msg-body').textContent()).toBe(kept);
    const conversationId = (await hashId(page))!;
    const stored = (await ws.request('conversations.messages', { conversationId })).result.items as Array<{ role: string; text: string; stopped?: boolean }>;
    expect(stored.at(-1)).toMatchObject({ role: 'assistant', stopped: true });

    // Regenerate: the stopped reply is replaced by a whole new one.
    await partial.getByRole('button', { name: 'Regenerate the reply' }).click();
    const whole = Array.from({ length: 150 }, (_, i) => slowChunk(i)).join('').trim();
    await replies(page).filter({ hasText: whole }).waitFor({ timeout: 20_000 });
    await page.getByTestId('send').waitFor();
    expect(await replies(page).count()).toBe(1);
    expect(await page.getByTestId('stopped').count()).toBe(0);

    // Edit and resend the last message (its reply is replaced).
    await page.getByRole('button', { name: 'Edit your message and send it again' }).click();
    const editor = page.getByTestId('edit-message').getByRole('textbox');
    expect(await editor.inputValue()).toBe('slow: 150');
    await editor.fill('slow: 3');
    await page.getByRole('button', { name: 'Save & send' }).click();
    await replies(page).filter({ hasText: /^w0 w1 w2/ }).waitFor({ timeout: 10_000 });
    await page.getByTestId('send').waitFor();
    expect(await userTexts(page)).toEqual(['slow: 3']);
    expect(await replies(page).count()).toBe(1);
    const afterEdit = (await ws.request('conversations.messages', { conversationId })).result.items as Array<{ role: string; text: string }>;
    expect(afterEdit.map((m) => m.text)).toEqual(['slow: 3', `${slowChunk(0)}${slowChunk(1)}${slowChunk(2)}`]);

    // Up in the empty composer opens the editor on the last message; Esc leaves it as it was.
    await composer(page).focus();
    await composer(page).press('ArrowUp');
    await page.getByTestId('edit-message').waitFor();
    await page.getByTestId('edit-message').getByRole('textbox').press('Escape');
    await page.getByTestId('edit-message').waitFor({ state: 'detached' });

    // Esc stops a reply as Stop does.
    await composer(page).fill('slow: 150');
    await composer(page).press('Enter');
    await streaming.getByText(slowChunk(3).trim()).waitFor({ timeout: 10_000 });
    const again = model.abandoned.length;
    const escAt = performance.now();
    await page.keyboard.press('Escape');
    const escCut = await nextAbandon(again);
    console.log(`[chat] Esc → model stream closed on the server: ${(escCut.at - escAt).toFixed(1)} ms`);
    expect(escCut.at - escAt).toBeLessThan(200);
    await replies(page).last().getByTestId('stopped').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('refuses a 60,000-character message and a 2 MiB paste before sending, keeps the text, and stays usable', async () => {
    const { page, context, errors } = await openChat();
    await page.getByTestId('new-chat').click();
    const requests = model.requests.length;
    const conversations = (await dashboardConversations()).length;

    // Near the limit the counter shows; over it, Send refuses and says by how much.
    await composer(page).fill('a'.repeat(26_000));
    expect(await page.getByTestId('composer-count').textContent()).toBe('26,000 / 32,000');
    const long = 'b'.repeat(60_000);
    await composer(page).fill(long);
    expect(await page.getByTestId('composer-count').textContent()).toBe('60,000 / 32,000');
    await composer(page).press('Enter');
    const note = page.getByTestId('composer-note');
    await note.getByText('This message is 60,000 characters; a message can be at most 32,000 characters.').waitFor();
    expect(await composer(page).inputValue()).toBe(long);
    await page.getByTestId('send').click();
    expect(await composer(page).inputValue()).toBe(long);

    // A 2 MiB paste is refused in the paste handler: the composer keeps what it had.
    await composer(page).fill('keep me');
    const pasted = await page.evaluate(() => {
      const area = document.getElementById('chat-input') as HTMLTextAreaElement;
      area.setSelectionRange(area.value.length, area.value.length);
      const data = new DataTransfer();
      data.setData('text/plain', 'x'.repeat(2 * 1024 * 1024));
      const started = performance.now();
      const accepted = area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      return { accepted, ms: performance.now() - started };
    });
    console.log(`[chat] 2 MiB paste refused in ${pasted.ms.toFixed(1)} ms`);
    expect(pasted.accepted).toBe(false); // preventDefault: nothing is inserted
    await note.getByText(/That paste was not added: it is 2,097,152 characters/).waitFor();
    expect(await composer(page).inputValue()).toBe('keep me');

    // The same from the real clipboard with Ctrl+V.
    await page.evaluate(() => navigator.clipboard.writeText('y'.repeat(2 * 1024 * 1024)));
    await composer(page).press('Control+v');
    await note.getByText(/That paste was not added: it is 2,097,152 characters/).waitFor();
    expect(await composer(page).inputValue()).toBe('keep me');
    expect(model.requests.length).toBe(requests); // nothing reached the model
    expect((await dashboardConversations()).length).toBe(conversations); // nor was anything stored

    // A send that fails (its conversation was deleted meanwhile) gives the text back, with the reason in words.
    await sendAndWait(page, 'first words', 'You said: first words');
    await ws.request('conversations.wipe', { conversationId: (await hashId(page))! });
    await composer(page).fill('this one fails');
    await composer(page).press('Enter');
    await page.locator('.chat-error [role="alert"]').getByText('This conversation was deleted meanwhile.', { exact: false }).waitFor();
    expect(await composer(page).inputValue()).toBe('this one fails');
    expect(await hashId(page)).toBeNull(); // a new chat, ready for it

    // And the chat goes on.
    await composer(page).fill('still here');
    await composer(page).press('Enter');
    await replies(page).filter({ hasText: 'You said: still here' }).waitFor({ timeout: 20_000 });
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await context.close();
  }, 120_000);

  it('screenshots light and dark, wide and narrow; at 480 and 360 px nothing scrolls sideways and the list folds behind a button', async () => {
    // A conversation with a tool call and a markdown reply to show.
    const { page, context } = await openChat();
    await page.getByTestId('new-chat').click();
    await sendAndWait(page, 'what time is it?', 'The tool said');
    await sendAndWait(page, 'markdown please', 'Plan for today');
    const id = (await hashId(page))!;
    await context.close();

    for (const dark of [false, true]) {
      for (const width of [1280, 480]) {
        const scheme = dark ? 'dark' : 'light';
        const { page: shot, context: ctx, errors } = await openChat({ width, height: width > 600 ? 860 : 900, dark, hash: `#/chat/${id}` });
        await replies(shot).filter({ hasText: 'Plan for today' }).waitFor();
        await shot.getByTestId('tool-call').first().locator('summary').click();
        expect(await noSidewaysScroll(shot)).toBe(true);
        await shot.screenshot({ path: path.join(shots, `chat-${scheme}-${width}.png`) });
        if (width === 480) {
          // The list is behind the Chats button, over the conversation.
          expect(await shot.getByTestId('conversation-list').isVisible()).toBe(false);
          await shot.getByTestId('conversations-toggle').click();
          await shot.getByTestId('conversation-list').waitFor();
          await shot.waitForTimeout(300); // its slide in
          await shot.screenshot({ path: path.join(shots, `chat-${scheme}-${width}-list.png`) });
          await shot.getByTestId('conversation-list').getByRole('button').first().click();
          await expect.poll(() => shot.getByTestId('conversation-list').isVisible()).toBe(false); // folds away (after its slide)
        } else {
          await shot.getByTestId('new-chat').click();
          await shot.getByTestId('chat-empty').waitFor();
          await shot.screenshot({ path: path.join(shots, `chat-${scheme}-${width}-new.png`) });
        }
        expect(errors).toEqual([]);
        await ctx.close();
      }
    }
    const { page: small, context: smallCtx } = await openChat({ width: 360, height: 740, hash: `#/chat/${id}` });
    await replies(small).filter({ hasText: 'Plan for today' }).waitFor();
    expect(await noSidewaysScroll(small)).toBe(true);
    await small.screenshot({ path: path.join(shots, 'chat-light-360.png') });
    await smallCtx.close();
  }, 120_000);
});
