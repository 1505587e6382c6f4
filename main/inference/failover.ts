import CircuitBreaker from 'opossum';
import type { Logger } from '../log/logger';
import type { ChatProvider, ChatRequest, ChatResponse, ChatTurn, ToolDefinition } from './provider';

// The configured models in order: the first whose circuit is closed (or half-open) answers. A
// member that keeps failing is skipped until its breaker half-opens and one trial call succeeds.

export interface BreakerOptions {
  /** Failures within the rolling window before the circuit may open. */
  volumeThreshold: number;
  /** How long an open circuit waits before letting one trial call through. */
  resetTimeoutMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { volumeThreshold: 3, resetTimeoutMs: 30_000 };

export class AllModelsFailed extends Error {
  constructor(
    readonly reasons: string[],
    /** Every model answered before and is only paused by its breaker (it is likely back soon). */
    readonly paused = false,
  ) {
    super(`No model could answer: ${reasons.join('; ')}`);
    this.name = 'AllModelsFailed';
  }
}

/** Aborted for another reason than running out of time: the caller stopped the call. */
const stoppedByCaller = (signal: AbortSignal) => signal.aborted && (signal.reason as { name?: string } | undefined)?.name !== 'TimeoutError';

interface Member {
  spec: string;
  provider: ChatProvider | null;
  breaker: CircuitBreaker<[ChatRequest], ChatResponse>;
}

export interface AnsweredResponse extends ChatResponse {
  answeredBy: { kind: ChatProvider['kind']; model: string };
}

/** Told about every model call (for /metrics). */
export interface ModelObserver {
  call(model: string, outcome: 'ok' | 'error', seconds: number): void;
  /** A fallback answered because the models before it failed. */
  failover(): void;
}

export class FailoverChain {
  private readonly members: Member[];

  constructor(
    specs: string[],
    private readonly create: (spec: string) => Promise<ChatProvider>,
    options: BreakerOptions,
    private readonly log: Logger,
    private readonly onFailure: (reasons: string[] | null) => void,
    private readonly observer?: ModelObserver,
  ) {
    this.members = specs.map((spec) => {
      const member: Member = { spec, provider: null, breaker: null as never };
      member.breaker = new CircuitBreaker(async (request: ChatRequest) => (await this.load(member)).chat(request), {
        timeout: false, // each call carries its own deadline (the request's AbortSignal)
        // A Stop is no failure of the model. opossum passes the call's arguments after the error (its typings omit them).
        errorFilter: ((_error: unknown, request: ChatRequest) => stoppedByCaller(request.signal)) as (error: unknown) => boolean,
        volumeThreshold: options.volumeThreshold,
        errorThresholdPercentage: 50,
        resetTimeout: options.resetTimeoutMs,
        rollingCountTimeout: 60_000,
      });
      member.breaker.on('open', () => this.log.warn('model circuit opened', { model: spec }));
      member.breaker.on('close', () => this.log.info('model circuit closed', { model: spec }));
      return member;
    });
  }

  /** The first member that loads; it sizes the context (fallbacks are tried with the same prompt). */
  async lead(): Promise<ChatProvider> {
    const reasons: string[] = [];
    let paused = 0;
    for (const member of this.members) {
      if (member.breaker.opened) {
        reasons.push(`${member.spec}: paused after repeated failures`);
        paused++;
        continue;
      }
      try {
        return await this.load(member);
      } catch (error) {
        reasons.push(`${member.spec}: ${(error as Error).message}`);
      }
    }
    this.onFailure(reasons);
    throw new AllModelsFailed(reasons, paused === this.members.length);
  }

  async chat(request: ChatRequest): Promise<AnsweredResponse> {
    const reasons: string[] = [];
    for (const [index, member] of this.members.entries()) {
      // The call's deadline has passed: the rest are not tried, so a healthy fallback is not blamed
      // for a dead signal (and its breaker does not open).
      if (request.signal.aborted) break;
      const started = performance.now();
      const own = this.share(request, this.members.length - index);
      try {
        const response = await member.breaker.fire(own.request);
        this.observer?.call(member.spec.split(':')[0]!, 'ok', (performance.now() - started) / 1000);
        if (reasons.length > 0) this.observer?.failover();
        this.onFailure(null);
        return { ...response, answeredBy: { kind: member.provider!.kind, model: member.provider!.model } };
      } catch (error) {
        // Stopped by the caller (chat.cancel): nobody is to blame and nothing else is tried.
        if (stoppedByCaller(request.signal)) throw error;
        const open = (error as { code?: string }).code === 'EOPENBREAKER';
        if (!open) this.observer?.call(member.spec.split(':')[0]!, 'error', (performance.now() - started) / 1000);
        const why = open ? 'paused after repeated failures' : own.timedOut() ? `no answer within its share of the time (${Math.round(own.ms / 1000)} s)` : (error as Error).message;
        reasons.push(`${member.spec}: ${why}`);
        if (!open) this.log.warn('model failed; trying the next one', { model: member.spec, error: why });
      } finally {
        own.done();
      }
    }
    this.onFailure(reasons);
    throw new AllModelsFailed(reasons);
  }

  /**
   * With models after it to fall back on, a member gets its share of the time left (the time left
   * over the models left), so one that hangs still leaves the next one time to answer.
   */
  private share(request: ChatRequest, membersLeft: number): { request: ChatRequest; ms: number; timedOut(): boolean; done(): void } {
    const whole = { request, ms: 0, timedOut: () => false, done: () => undefined };
    if (membersLeft <= 1 || request.deadline === undefined) return whole;
    const ms = Math.max(0, (request.deadline - Date.now()) / membersLeft);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('This model ran out of its share of the time', 'TimeoutError')), ms);
    const stop = () => controller.abort(request.signal.reason);
    request.signal.addEventListener('abort', stop, { once: true });
    return {
      request: { ...request, signal: controller.signal },
      ms,
      timedOut: () => controller.signal.aborted && !request.signal.aborted,
      done: () => {
        clearTimeout(timer);
        request.signal.removeEventListener('abort', stop);
      },
    };
  }

  async close(): Promise<void> {
    for (const member of this.members) {
      member.breaker.shutdown();
      await member.provider?.close();
    }
  }

  private async load(member: Member): Promise<ChatProvider> {
    member.provider ??= await this.create(member.spec);
    return member.provider;
  }
}

/** The chain seen as one provider by the agent. */
export class ChainProvider implements ChatProvider {
  constructor(
    private readonly chain: FailoverChain,
    private readonly leader: ChatProvider,
  ) {}

  get kind() {
    return this.leader.kind;
  }
  get model() {
    return this.leader.model;
  }
  get toolsSupported() {
    return this.leader.toolsSupported;
  }
  contextSize(): Promise<number> {
    return this.leader.contextSize();
  }
  countTokens(text: string): Promise<number> {
    return this.leader.countTokens(text);
  }
  promptTokens(turns: ChatTurn[], tools: ToolDefinition[]): Promise<number> {
    return this.leader.promptTokens(turns, tools);
  }
  chat(request: ChatRequest): Promise<AnsweredResponse> {
    return this.chain.chat(request);
  }
  async close(): Promise<void> {}
}

