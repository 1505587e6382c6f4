// Which Host and Origin headers the gateway accepts. Bound to loopback, only loopback names are
// valid Hosts (this defeats DNS rebinding: evil.example resolving to 127.0.0.1 still sends its own
// Host), and a browser Origin must be the gateway's own. Non-browser clients send no Origin.

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

export class OriginPolicy {
  constructor(
    private readonly boundHost: string,
    private readonly port: () => number,
  ) {}

  private hostnames(): string[] {
    return isLoopbackHost(this.boundHost) ? ['127.0.0.1', 'localhost', '[::1]'] : [this.boundHost];
  }

  /** The Host header must name this gateway (any name when bound to a non-loopback address). */
  hostAllowed(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    if (!isLoopbackHost(this.boundHost)) return true;
    return this.hostnames().some((name) => hostHeader === `${name}:${this.port()}` || (this.port() === 80 && hostHeader === name));
  }

  /** No Origin (a script) is fine; a browser Origin must be the gateway's own. */
  originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
    if (origin === undefined) return true;
    if (isLoopbackHost(this.boundHost)) return this.hostnames().some((name) => origin === `http://${name}:${this.port()}`);
    return hostHeader !== undefined && origin === `http://${hostHeader}`;
  }
}
