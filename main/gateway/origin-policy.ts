// Which Host and Origin headers the gateway accepts. DNS rebinding (evil.example re-pointed at
// this machine) always carries the attacker's host name, so only names we know are accepted:
// loopback names, IP literals (a rebinding needs a DNS name) and the configured host. A browser
// Origin must be the gateway's own. Non-browser clients send no Origin.

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackHost(host: string): boolean {
  // 127.x.y.y as a literal only: "127.0.0.1.evil.example" is a DNS name an attacker controls.
  return LOOPBACK.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

export class OriginPolicy {
  constructor(
    private readonly boundHost: string,
    private readonly port: () => number,
  ) {}

  /** The Host header must name this gateway. */
  hostAllowed(hostHeader: string | undefined): boolean {
    return hostHeader !== undefined && this.knownHost(hostHeader);
  }

  /** No Origin (a script) is fine; a browser Origin must be this gateway as the browser reached it. */
  originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
    if (origin === undefined) return true;
    return hostHeader !== undefined && this.knownHost(hostHeader) && origin === `http://${hostHeader}`;
  }

  private knownHost(hostHeader: string): boolean {
    const port = this.port();
    const at = hostHeader.lastIndexOf(':');
    const [name, hostPort] = at > 0 && !hostHeader.endsWith(']') ? [hostHeader.slice(0, at), hostHeader.slice(at + 1)] : [hostHeader, '80'];
    if (hostPort !== String(port)) return false;
    if (isLoopbackHost(this.boundHost)) return isLoopbackHost(name);
    return name === this.boundHost || isIpLiteral(name) || name === 'localhost';
  }
}

function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || /^\[[0-9a-fA-F:.]+\]$/.test(name);
}
