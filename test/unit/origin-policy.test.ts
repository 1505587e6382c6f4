import { describe, expect, it } from 'vitest';
import { OriginPolicy } from '../../main/gateway/origin-policy';

describe('origin policy', () => {
  const loopback = new OriginPolicy('127.0.0.1', () => 18789);

  it('accepts loopback names on the right port only', () => {
    for (const host of ['127.0.0.1:18789', 'localhost:18789', '[::1]:18789']) expect(loopback.hostAllowed(host), host).toBe(true);
    for (const host of ['127.0.0.1:80', 'evil.example:18789', '127.0.0.1.evil.example:18789', '192.168.1.5:18789', undefined]) {
      expect(loopback.hostAllowed(host), String(host)).toBe(false);
    }
  });

  it("accepts no Origin (a script) or the gateway's own, nothing else", () => {
    expect(loopback.originAllowed(undefined, '127.0.0.1:18789')).toBe(true);
    expect(loopback.originAllowed('http://127.0.0.1:18789', '127.0.0.1:18789')).toBe(true);
    expect(loopback.originAllowed('http://localhost:18789', 'localhost:18789')).toBe(true);
    expect(loopback.originAllowed('http://evil.example', '127.0.0.1:18789')).toBe(false);
    expect(loopback.originAllowed('http://127.0.0.1:3000', '127.0.0.1:18789')).toBe(false);
    expect(loopback.originAllowed('null', '127.0.0.1:18789')).toBe(false);
  });

  it('on a LAN bind, refuses DNS names other than the configured one (rebinding)', () => {
    const lan = new OriginPolicy('0.0.0.0', () => 18789);
    expect(lan.hostAllowed('192.168.1.5:18789')).toBe(true);
    expect(lan.originAllowed('http://192.168.1.5:18789', '192.168.1.5:18789')).toBe(true);
    expect(lan.hostAllowed('evil.example:18789')).toBe(false);
    expect(lan.originAllowed('http://evil.example:18789', 'evil.example:18789')).toBe(false);
    const named = new OriginPolicy('perch.lan', () => 18789);
    expect(named.originAllowed('http://perch.lan:18789', 'perch.lan:18789')).toBe(true);
  });
});
