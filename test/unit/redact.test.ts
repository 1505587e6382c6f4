import { describe, expect, it } from 'vitest';
import { redactText, redactValue, registerSecret } from '../../main/log/redact';

describe('redaction', () => {
  it('removes emails, phone numbers, bearer tokens, keys and bot tokens', () => {
    const text = redactText(
      'mail anna.b@example.org, call +49 151 1234 5678, jid 4915112345678@s.whatsapp.net, Authorization: Bearer abc.def-ghi, key sk-ABCDEFGHIJKLMNOPQRSTUV, bot 123456789:AAEhBOweik9ai2o-HQSNamDI6H5b3p1JQjs',
    );
    expect(text).not.toMatch(/anna|1234 5678|4915112345678|abc\.def|ABCDEFGH|AAEhBO/);
    expect(text).toContain('[email]');
    expect(text).toContain('[phone]');
    expect(text).toContain('Bearer [redacted]');
  });

  it('leaves ordinary numbers, times, ports and ids alone', () => {
    const text = 'listening on 127.0.0.1:18789 at 2026-11-23T10:00:00Z, took 1234 ms, id 42';
    expect(redactText(text)).toBe(text);
  });

  it('redacts registered secrets anywhere, and secret-named fields', () => {
    registerSecret('a-very-private-value-123');
    expect(redactText('the value a-very-private-value-123 leaked')).toBe('the value [redacted] leaked');
    expect(redactValue({ apiKey: 'x', nested: { password: 'y', note: 'ok', list: ['me@example.com'] }, ok: true })).toEqual({
      apiKey: '[redacted]',
      nested: { password: '[redacted]', note: 'ok', list: ['[email]'] },
      ok: true,
    });
  });
});
