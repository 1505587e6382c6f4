import { HttpError, type Transformer } from 'grammy';

// Every Bot API call gets a deadline, as a grammY API transformer: a call that has not returned in
// time is aborted and abandoned (raced, so a request that ignores the abort cannot hold it), and
// fails as an HttpError like any other network failure. And the sentences that say why a call
// failed, without the request's URL (it holds the bot token).

export interface TelegramTiming {
  /** How long one getUpdates long poll may wait at Telegram for updates, in seconds. */
  pollSeconds: number;
  /** The deadline of every call that is not a long poll (getMe, deleteWebhook, sendMessage…). */
  callMs: number;
  /** A polling call not returned in this long is abandoned and tried again; default 2 × the poll's timeout. */
  stallMs?: number;
}

export const TELEGRAM_TIMING: TelegramTiming = { pollSeconds: 30, callMs: 15_000 };

/** A call that did not return within its deadline. */
export class DeadlineExceeded extends HttpError {
  constructor(
    readonly method: string,
    readonly ms: number,
  ) {
    super(`Telegram did not answer ${method} within ${seconds(ms)}`, null);
  }
}

/** The deadline of one call: a poll waits its own timeout and as long again; everything else gets `callMs`. */
export function deadlineOf(timing: TelegramTiming, method: string, payload: unknown): number {
  const timeout = method === 'getUpdates' ? Number((payload as { timeout?: unknown } | undefined)?.timeout ?? 0) : 0;
  if (timeout > 0) return timing.stallMs ?? 2 * timeout * 1000;
  return method === 'deleteWebhook' && timing.stallMs !== undefined ? Math.min(timing.stallMs, timing.callMs) : timing.callMs;
}

/** The transformer that gives each call its deadline. */
export function withDeadlines(limit: (method: string, payload: unknown) => number): Transformer {
  return async (prev, method, payload, signal) => {
    const ms = limit(method, payload);
    const controller = new AbortController();
    const forward = () => controller.abort();
    if (signal?.aborted) controller.abort();
    else signal?.addEventListener('abort', forward, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new DeadlineExceeded(method, ms));
        controller.abort();
      }, ms);
    });
    try {
      // grammY types its signal as the abort-controller package's; Node's own is what it takes at run time.
      return await Promise.race([prev(method, payload, controller.signal as unknown as typeof signal), expired]);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  };
}

/** Why a Bot API call failed, as the channel's detail. Starts "cannot reach the Telegram Bot API" for
 * network failures (the dashboard words those for people); never holds the URL. */
export function failureDetail(error: unknown, apiRoot: string | null): string {
  if (!(error instanceof HttpError)) return (error as Error).message;
  const host = hostOf(apiRoot);
  if (error instanceof DeadlineExceeded) return `cannot reach the Telegram Bot API: ${host} did not answer ${error.method} within ${seconds(error.ms)}`;
  const cause = error.error as { code?: unknown; type?: unknown; message?: unknown } | null;
  const code = typeof cause?.code === 'string' ? cause.code : null;
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot reach the Telegram Bot API: ${host} refused the connection (ECONNREFUSED)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach the Telegram Bot API: this computer seems to be offline (${host} could not be looked up: ${code})`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `cannot reach the Telegram Bot API: the connection to ${host} was cut (${code})`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return `cannot reach the Telegram Bot API: ${host} cannot be reached from this network (${code})`;
  }
  if (cause?.type === 'invalid-json') return `cannot reach the Telegram Bot API: ${host} answered with something that is not the Bot API`;
  return `cannot reach the Telegram Bot API: ${error.message}${code ? ` (${code})` : ''}`;
}

function hostOf(apiRoot: string | null): string {
  try {
    return new URL(apiRoot ?? 'https://api.telegram.org').host;
  } catch {
    return 'the Bot API';
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;
}
