import type { EventBus } from '../events/bus';
import { AllModelsFailed } from '../inference/failover';
import type { ChatProvider, ChatTurn, ToolDefinition } from '../inference/provider';
import type { Logger } from '../log/logger';
import type { ToolRegistry } from '../tools/registry';
import { runCommand, type MemoryCommands, type PrivacyCommands, type ReminderCommands } from './commands';
import type { ConversationStore, HistoryMessage } from './conversation-store';
import { DeltaBatcher } from './delta-batcher';
import type { Lanes } from './lanes';

// The agent loop every channel shares: store the message, answer commands, fit the context to
// the model's window (summarizing what no longer fits), run the tool loop, store the reply.

export const MAX_TOOL_STEPS = 6;
const MIN_REPLY_TOKENS = 32;
const HISTORY_FETCH = 200;
/** At most this share of the window goes to recalled memory. */
const RECALL_SHARE = 0.2;

/** Something remembered that bears on a message, with where it came from (for citing). */
export interface Recalled {
  source: string;
  text: string;
}

/**
 * Finds what the agent should remember for an inbound message, best first. Filled in by the memory
 * domain; until then nothing is recalled.
 */
export type Recall = (query: { conversationId: string; text: string }) => Promise<Recalled[]>;

export interface AgentDeps {
  store: ConversationStore;
  lanes: Lanes;
  tools: ToolRegistry;
  bus: EventBus;
  log: Logger;
  /** The configured chat model; throws a ModelError when there is none or it cannot load. */
  provider: () => Promise<ChatProvider>;
  /** Per model call. */
  callTimeoutMs: number;
  maxReplyTokens: () => number;
  recall?: Recall;
  /** /remember and /forget. */
  memory?: MemoryCommands;
  /** /reminders. */
  reminders?: ReminderCommands;
  /** /export and /wipe. */
  privacy?: PrivacyCommands;
  /** Called when a conversation's messages were stored (for indexing its transcript). */
  onStored?: (conversationId: string) => void;
  /** Called when stored messages were deleted or changed to answer again (its transcript is indexed afresh). */
  onRewritten?: (conversationId: string) => void;
  /** Called when the agent starts or finishes working on a message (the tray shows it). */
  onActivity?: () => void;
  /** Told how each message went and how long it took (for /metrics). */
  observe?: (channel: string, outcome: 'ok' | 'error', seconds: number) => void;
}

/**
 * Who is writing. The owner (the dashboard, scheduled jobs, a channel's first allowFrom entry in a
 * direct chat) may use every tool and command; a contact (anyone else, and everyone in a group) gets
 * only the tools marked for contacts, no memory of other conversations and no owner commands.
 */
export type Role = 'owner' | 'contact';

export interface Inbound {
  channel: string;
  peer: string;
  text: string;
  /** Default owner. */
  role?: Role;
  /** The chat message this is (channel:provider id): answered again after a crash, its turn resumes. */
  sourceId?: string;
  conversationId?: string;
  /** Only these tools may be used for this message (a scheduled job's restricted set); default all. */
  tools?: string[];
  /** Throw when every model fails, instead of answering with an apology (a scheduled job retries later). */
  strict?: boolean;
}

type TurnOptions = Pick<Inbound, 'tools' | 'strict' | 'role' | 'sourceId'> & {
  /** Aborted by cancel(): the model call stops and what it said so far is kept as a stopped reply. */
  stop?: AbortSignal;
};

export interface Reply {
  conversationId: string;
  messageId: number;
  text: string;
  /** True when cancel() cut it short: the text is what was generated until then. */
  stopped?: boolean;
}

export class ConversationNotFound extends Error {}
export class MessageTooLong extends Error {}

export class Agent {
  private active = 0;
  /** Each conversation's turns in flight (running or waiting for its lane), for cancel(). */
  private readonly inFlight = new Map<string, Set<AbortController>>();

  constructor(private readonly deps: AgentDeps) {}

  /** Whether a message is being answered right now. */
  get busy(): boolean {
    return this.active > 0;
  }

  /** Counts work in progress (the tray shows it) and, for a message, how it went and how long it took. */
  private track<T>(work: Promise<T>, channel?: string): Promise<T> {
    this.active++;
    this.deps.onActivity?.();
    const started = performance.now();
    let outcome: 'ok' | 'error' = 'error';
    return work
      .then((result) => {
        outcome = 'ok';
        return result;
      })
      .finally(() => {
        this.active--;
        this.deps.onActivity?.();
        if (channel !== undefined) this.deps.observe?.(channel, outcome, (performance.now() - started) / 1000);
      });
  }

  handle(inbound: Inbound): Promise<Reply> {
    const { store } = this.deps;
    const conversation = inbound.conversationId ? store.get(inbound.conversationId) : store.open(inbound.channel, inbound.peer);
    if (!conversation) throw new ConversationNotFound(`No conversation with id ${inbound.conversationId}`);
    return this.turn(conversation.id, conversation.channel, (stop) => this.answer(conversation.id, conversation.channel, inbound.text, { ...inbound, stop }));
  }

  /**
   * Throws the ModelError (or AllModelsFailed) that answering would meet when no chat model works.
   * Models only paused by their breakers pass: they worked, and the turn answers with an apology.
   */
  async checkModel(): Promise<void> {
    try {
      await this.deps.provider();
    } catch (error) {
      if (!(error instanceof AllModelsFailed && error.paused)) throw error;
    }
  }

  /**
   * Stops the conversation's turns in flight: the model call is aborted and each turn stores what
   * was generated so far as a stopped reply. False when nothing was in flight.
   */
  cancel(conversationId: string): boolean {
    const turns = this.inFlight.get(conversationId);
    if (!turns?.size) return false;
    for (const turn of turns) turn.abort(new DOMException('Stopped by the owner', 'AbortError'));
    return true;
  }

  /**
   * Answers a conversation's last message again (Regenerate, Edit): `rewind` runs in the
   * conversation's lane, after any turn before it, changes what is stored and returns the text
   * to answer (it throws to refuse).
   */
  answerAgain(conversationId: string, rewind: () => { text: string }): Promise<Reply> {
    const conversation = this.deps.store.get(conversationId);
    if (!conversation) throw new ConversationNotFound(`No conversation with id ${conversationId}`);
    return this.turn(conversationId, conversation.channel, (stop) => {
      const { text } = rewind();
      this.deps.onRewritten?.(conversationId);
      return this.respond(conversationId, conversation.channel, text, { stop });
    });
  }

  /** Work in the conversation's lane that cancel() can stop. */
  private turn(conversationId: string, channel: string | undefined, work: (stop: AbortSignal) => Promise<Reply>): Promise<Reply> {
    const stop = new AbortController();
    const turns = this.inFlight.get(conversationId) ?? new Set<AbortController>();
    turns.add(stop);
    this.inFlight.set(conversationId, turns);
    const done = () => {
      turns.delete(stop);
      if (turns.size === 0 && this.inFlight.get(conversationId) === turns) this.inFlight.delete(conversationId);
    };
    return this.track(this.deps.lanes.run(conversationId, () => work(stop.signal)).finally(done), channel);
  }

  /**
   * Something the conversation should hear about outside a turn (a command decided after a
   * restart): noted in the conversation, and the model tells the person.
   */
  report(conversationId: string, note: string): Promise<Reply> {
    const conversation = this.deps.store.get(conversationId);
    if (!conversation) throw new ConversationNotFound(`No conversation with id ${conversationId}`);
    return this.turn(conversationId, undefined, async (stop) => {
      this.deps.store.append(conversationId, { role: 'system', text: note });
      // Telling the person is all this is for: no tools, whoever the conversation is with.
      return this.reply(conversationId, conversation.channel, { tools: [], stop });
    });
  }

  private async answer(conversationId: string, channel: string, text: string, options: TurnOptions): Promise<Reply> {
    const { store } = this.deps;
    const earlier = options.sourceId ? store.bySource(conversationId, options.sourceId) : null;
    if (earlier?.reply) return { conversationId, messageId: earlier.reply.id, text: earlier.reply.text, stopped: earlier.reply.stopped === true };
    if (earlier) {
      // Cut off by a crash: the turn goes on from what is stored (tool results included), so a
      // command that already ran is not asked for again.
      this.deps.log.info('resuming a turn cut off by a restart', { conversationId });
    } else {
      store.append(conversationId, { role: 'user', text, ...(options.sourceId ? { sourceId: options.sourceId } : {}) }); // stored first: nothing is lost if the model fails
    }
    return this.respond(conversationId, channel, text, options);
  }

  /** Answers the stored message `text`: a command, or the model. */
  private async respond(conversationId: string, channel: string, text: string, options: TurnOptions): Promise<Reply> {
    const { store } = this.deps;
    const command = await runCommand(text, { conversationId, role: options.role ?? 'owner', store, provider: this.deps.provider, ...(this.deps.memory ? { memory: this.deps.memory } : {}), ...(this.deps.reminders ? { reminders: this.deps.reminders } : {}), ...(this.deps.privacy ? { privacy: this.deps.privacy } : {}) });
    // After /wipe the conversation is gone: the answer is sent, not stored.
    if (command !== null && typeof command === 'object') return { conversationId, messageId: 0, text: command.text, stopped: false };
    if (command !== null) return this.finish(conversationId, { role: 'assistant', text: command }, options.sourceId);
    return this.reply(conversationId, channel, options);
  }

  private async reply(conversationId: string, channel: string, options: TurnOptions = {}): Promise<Reply> {
    try {
      return await this.generate(conversationId, channel, options);
    } catch (error) {
      if (!(error instanceof AllModelsFailed) || options.strict) throw error;
      // Every configured model failed: the person still gets an answer, and status says why.
      return this.finish(
        conversationId,
        { role: 'assistant', text: `Sorry, I can't reach my model right now (${error.reasons.join('; ')}). Please try again in a little while.` },
        options.sourceId,
      );
    }
  }

  private async generate(conversationId: string, channel: string, options: TurnOptions): Promise<Reply> {
    const { store } = this.deps;
    const { stop } = options;
    const provider = await this.deps.provider();
    const prompt = store.systemPrompt();
    const contact = options.role === 'contact';
    const allowed = contact ? this.deps.tools.forContacts().filter((name) => !options.tools || options.tools.includes(name)) : options.tools;
    // A model that refused tools is not shown them (nor are they counted in its prompt).
    const tools = !provider.toolsSupported ? [] : this.deps.tools.definitions().filter((t) => !allowed || allowed.includes(t.name));
    const made = { provider: provider.kind, model: provider.model, promptVersion: prompt.version };
    let context;
    try {
      // A contact's conversation recalls nothing: memory holds the owner's notes and other conversations.
      context = await this.context(conversationId, provider, prompt.text, tools, !contact, stop);
    } catch (error) {
      if (!stop?.aborted) throw error;
      return this.finish(conversationId, { role: 'assistant', text: '', stopped: true, ...made }, options.sourceId); // stopped while summarizing
    }
    const { turns, maxTokens } = context;
    let tokensIn = 0;
    let tokensOut = 0;

    for (let step = 0; step < MAX_TOOL_STEPS; step++) {
      const deltas = new DeltaBatcher((text) => this.deps.bus.publish('agent.delta', { conversationId, text }));
      let streamed = '';
      const onText = (chunk: string) => {
        if (stop?.aborted) return; // what arrives after Stop is not shown, nor kept
        streamed += chunk;
        deltas.push(chunk);
      };
      let response;
      try {
        response = await this.withDeadline((signal, deadline) => provider.chat({ turns, tools, maxTokens, signal, deadline, onText }), stop);
      } catch (error) {
        if (!stop?.aborted) throw error;
      } finally {
        deltas.flush();
      }
      if (stop?.aborted || !response) {
        // Stopped: the reply is what was generated so far; tool calls it asked for are not run.
        const text = response?.text ?? streamed;
        // A call cut off reports no usage: counted here (estimated for a remote model).
        const [spentIn, spentOut] = response
          ? [response.tokensIn, response.tokensOut]
          : await Promise.all([provider.promptTokens(turns, tools).catch(() => 0), provider.countTokens(text).catch(() => 0)]);
        return this.finish(conversationId, { role: 'assistant', text, stopped: true, tokensIn: tokensIn + spentIn, tokensOut: tokensOut + spentOut, ...made }, options.sourceId);
      }
      tokensIn += response.tokensIn;
      tokensOut += response.tokensOut;
      const by = response.answeredBy ?? { kind: provider.kind, model: provider.model };
      made.provider = by.kind;
      made.model = by.model;
      if (response.toolCalls.length === 0) {
        return this.finish(conversationId, { role: 'assistant', text: response.text, tokensIn, tokensOut, ...made }, options.sourceId);
      }
      store.append(conversationId, { role: 'assistant', text: response.text, toolCalls: response.toolCalls, tokensIn, tokensOut, ...made });
      tokensIn = tokensOut = 0;
      turns.push({ role: 'assistant', text: response.text, toolCalls: response.toolCalls });
      for (const call of response.toolCalls) {
        // A model may name a tool it was not offered: it is told, and nothing runs.
        // Outside the concurrency bound: a tool may wait minutes (for the owner's approval).
        const outcome = tools.some((t) => t.name === call.name)
          ? await this.deps.lanes.outside(() => untilStopped(this.deps.tools.invoke(call.name, call.args, { conversationId, channel }), stop))
          : ({ ok: false, error: `the tool ${call.name} is not available here` } as const);
        // Stopped while a tool ran (an approval can take minutes): the turn ends now; the call
        // shows as unanswered in the history.
        if (outcome === STOPPED) return this.finish(conversationId, { role: 'assistant', text: '', stopped: true, ...made }, options.sourceId);
        const result = outcome.ok ? outcome.output : `Error: ${outcome.error}`;
        store.append(conversationId, { role: 'tool', text: result, toolCallId: call.id });
        turns.push({ role: 'tool', text: result, toolCallId: call.id, toolName: call.name });
      }
    }
    return this.finish(
      conversationId,
      { role: 'assistant', text: `I stopped after ${MAX_TOOL_STEPS} tool steps without a final answer. Ask again, perhaps more narrowly.` },
      options.sourceId,
    );
  }

  /** Stores a turn's final reply, marked with the chat message it answers (if it came from one). */
  private finish(conversationId: string, message: Parameters<ConversationStore['append']>[1], sourceId?: string): Reply {
    const stored = this.deps.store.append(conversationId, sourceId ? { ...message, sourceId } : message);
    this.deps.onStored?.(conversationId);
    return { conversationId, messageId: stored.id, text: stored.text, stopped: stored.stopped === true };
  }

  /**
   * System prompt + running summary + as much recent history as fits the window (measured on the
   * prompt as the model will see it), leaving room for the reply. What falls out is folded into
   * the running summary by the model itself.
   */
  private async context(
    conversationId: string,
    provider: ChatProvider,
    systemPrompt: string,
    tools: ToolDefinition[],
    recall: boolean,
    stop?: AbortSignal,
  ): Promise<{ turns: ChatTurn[]; maxTokens: number }> {
    const { store } = this.deps;
    const window = await provider.contextSize();
    const reserve = Math.min(this.deps.maxReplyTokens(), Math.floor(window / 4));
    // node-llama-cpp keeps a tenth of the window free for shifting context mid-generation.
    const limit = window - reserve - Math.ceil(window / 10);
    const { summary: stored, messages } = store.history(conversationId, HISTORY_FETCH);
    let summary = stored;
    const memory = recall ? await this.recall(conversationId, messages.at(-1)?.text ?? '', provider, Math.floor(window * RECALL_SHARE)) : '';

    const system = () =>
      [systemPrompt, memory && `What you remember that may help (cite the source when you use it):\n${memory}`, summary && `Summary of the earlier conversation:\n${summary}`]
        .filter(Boolean)
        .join('\n\n');
    const build = (from: number): ChatTurn[] => [{ role: 'system', text: system() }, ...toTurns(messages.slice(from))];
    // Built and counted once per candidate start: the chosen prompt is used again for the reply.
    const candidates = new Map<number, { turns: ChatTurn[]; tokens: number }>();
    const candidate = async (from: number) => {
      let found = candidates.get(from);
      if (!found) {
        const turns = build(from);
        candidates.set(from, (found = { turns, tokens: await provider.promptTokens(turns, tools) }));
      }
      return found;
    };
    const tokensFrom = async (from: number) => (await candidate(from)).tokens;
    // Usually everything fits: one count. Otherwise fewer messages never take more tokens, so
    // binary-search the oldest one that still fits. The newest message (the one being answered)
    // is always kept.
    const fitFrom = async (lowest: number): Promise<number> => {
      if ((await tokensFrom(lowest)) <= limit) return lowest;
      let lo = Math.min(lowest + 1, messages.length - 1);
      let hi = messages.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((await tokensFrom(mid)) <= limit) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };

    let from = await fitFrom(0);
    if (from > 0) {
      summary = await this.summarize(provider, window, summary, messages.slice(0, from), stop);
      store.setSummary(conversationId, summary, messages[from - 1]!.id);
      candidates.clear(); // the summary itself takes room
      from = await fitFrom(from);
    }
    const { turns, tokens } = await candidate(from);
    // The newest message is kept even when it alone outgrows the limit: the reply gets what is left.
    const left = window - Math.ceil(window / 10) - tokens;
    if (left < MIN_REPLY_TOKENS) {
      throw new MessageTooLong(`This message is too long for the model's context window of ${window} tokens. Send a shorter message, or /reset.`);
    }
    return { turns, maxTokens: Math.min(reserve, left) };
  }

  /** Recalled items, best first, as many as fit the budget, each with its source. */
  private async recall(conversationId: string, text: string, provider: ChatProvider, budget: number): Promise<string> {
    if (!this.deps.recall || !text) return '';
    let items: Recalled[];
    try {
      items = await this.deps.recall({ conversationId, text });
    } catch (error) {
      // Memory helps but is not needed to answer.
      this.deps.log.warn('recall failed; answering without memory', { error: (error as Error).message });
      return '';
    }
    const lines: string[] = [];
    let used = 0;
    for (const item of items) {
      const line = `- [${item.source}] ${item.text.replace(/\s*\n\s*/g, ' ')}`;
      const cost = await provider.countTokens(line);
      if (used + cost > budget) break;
      lines.push(line);
      used += cost;
    }
    return lines.join('\n');
  }

  private async summarize(provider: ChatProvider, window: number, previous: string, dropped: HistoryMessage[], stop?: AbortSignal): Promise<string> {
    // The summarizing call must fit the window too: keep the newest part of what fell out.
    const maxTokens = Math.min(200, Math.floor(window / 4));
    const room = Math.floor(window / 2) - (await provider.countTokens(previous));
    let transcript = dropped.map((m) => `${m.role}: ${m.text}`).join('\n');
    while (transcript.length > 0 && (await provider.countTokens(transcript)) > room) transcript = transcript.slice(Math.ceil(transcript.length / 5));
    const response = await this.withDeadline((signal, deadline) => provider.chat({
      turns: [
        { role: 'system', text: 'Summarize the conversation so far in a few short sentences. Keep names, facts, decisions and open questions.' },
        { role: 'user', text: `${previous ? `Earlier summary:\n${previous}\n\n` : ''}Conversation:\n${transcript}` },
      ],
      tools: [],
      maxTokens,
      signal,
      deadline,
    }), stop);
    this.deps.log.debug('conversation summarized', { turns: dropped.length });
    return response.text.trim() || previous;
  }

  /**
   * A model call with its deadline, aborted too when the turn is stopped. Unlike
   * AbortSignal.timeout, the timer is cleared as soon as the call ends, so a finished call's
   * request and response are not kept alive until the deadline.
   */
  private async withDeadline<T>(call: (signal: AbortSignal, deadline: number) => Promise<T>, stop?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('The model call timed out', 'TimeoutError')), this.deps.callTimeoutMs);
    const onStop = () => controller.abort(stop!.reason);
    if (stop?.aborted) onStop();
    else stop?.addEventListener('abort', onStop, { once: true });
    try {
      return await call(controller.signal, Date.now() + this.deps.callTimeoutMs);
    } finally {
      clearTimeout(timer);
      stop?.removeEventListener('abort', onStop);
    }
  }
}

const STOPPED = Symbol('stopped');

/** A tool's outcome, or STOPPED as soon as the turn is stopped (the tool itself runs on). */
function untilStopped<T>(work: Promise<T>, stop: AbortSignal | undefined): Promise<T | typeof STOPPED> {
  if (!stop) return work;
  if (stop.aborted) return Promise.resolve(STOPPED);
  return new Promise((resolve, reject) => {
    const onStop = () => resolve(STOPPED);
    stop.addEventListener('abort', onStop, { once: true });
    work.then(resolve, reject).finally(() => stop.removeEventListener('abort', onStop));
  });
}

/**
 * History as a model accepts it: every tool call answered (a call cut off by a restart gets a
 * note saying so) and no tool result without its call in view.
 */
export function toTurns(history: HistoryMessage[]): ChatTurn[] {
  const turns: ChatTurn[] = [];
  let open = new Map<string, string>(); // call id → tool name, awaiting a result
  const closeOpen = () => {
    for (const [id, name] of open) turns.push({ role: 'tool', text: 'No result: Perch stopped before this call finished.', toolCallId: id, toolName: name });
    open = new Map();
  };
  for (const m of history) {
    if (m.role === 'tool') {
      const name = m.toolCallId === undefined ? undefined : open.get(m.toolCallId);
      if (name === undefined) continue;
      open.delete(m.toolCallId!);
      turns.push({ role: 'tool', text: m.text, toolCallId: m.toolCallId!, toolName: name });
      continue;
    }
    closeOpen();
    turns.push({ role: m.role === 'system' ? 'user' : m.role, text: m.text, ...(m.toolCalls ? { toolCalls: m.toolCalls } : {}) });
    for (const call of m.toolCalls ?? []) open.set(call.id, call.name);
  }
  closeOpen();
  return turns;
}
