import { describe, expect, it } from 'vitest';
import { approvalOrigin, channelDetail, decidedByText, uptimeText } from '../../renderer/src/pages/words';

// The dashboard's words for channel states and approvals: raw errors go to Details, the text is a sentence.

describe('words for people', () => {
  it('turns a raw network error of a channel into a sentence, with the raw part kept for Details', () => {
    expect(channelDetail('whatsapp', 'cannot reach WhatsApp (WebSocket Error (getaddrinfo ENOTFOUND web.whatsapp.com))')).toEqual({
      text: "Perch cannot reach WhatsApp right now. Check this computer's internet connection; Perch keeps trying by itself.",
      details: 'WebSocket Error (getaddrinfo ENOTFOUND web.whatsapp.com)',
    });
    const telegram = channelDetail('telegram', 'cannot reach the Telegram Bot API: Network request for getMe failed; retrying');
    expect(telegram?.text).toContain('Perch cannot reach Telegram right now.');
    expect(telegram?.details).toBe('Network request for getMe failed');
    expect(channelDetail('telegram', 'ETIMEDOUT at Socket.connect (node:net:123)')).toMatchObject({ details: 'ETIMEDOUT at Socket.connect (node:net:123)' });
  });

  it('keeps sentences as they are, and says nothing for no detail', () => {
    expect(channelDetail('telegram', 'Not set up: enter a bot token from @BotFather to use Telegram.')).toEqual({ text: 'Not set up: enter a bot token from @BotFather to use Telegram.', details: null });
    expect(channelDetail('telegram', '@perch_bot')).toEqual({ text: '@perch_bot.', details: null });
    expect(channelDetail('whatsapp', null)).toBeNull();
  });

  it('says where an approval came from and who decided, without RPC jargon', () => {
    expect(approvalOrigin({ conversationId: null, channel: null })).toBe('asked from the dashboard or a script');
    expect(approvalOrigin({ conversationId: 'c1', channel: 'telegram' })).toBe('asked in a chat on Telegram');
    expect(decidedByText('dashboard')).toBe('from the dashboard');
    expect(decidedByText('policy')).toBe('by a rule');
    expect(uptimeText(3 * 3600_000 + 5 * 60_000)).toBe('3 hours 5 minutes');
    expect(uptimeText(30_000)).toBe('less than a minute');
  });
});
