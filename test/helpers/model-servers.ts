import http from 'node:http';

// Local servers speaking the real Ollama (/api/show, /api/chat NDJSON) and OpenAI (/v1/chat/
// completions SSE) wire formats, for the provider tests. Behind both is the same scripted model:
// it echoes the user, asks for get_time when asked the time (with invalid arguments when asked
// for "bad args"), for exec when told "run: COMMAND", for any tool when told "call: NAME {JSON args}", for schedule_reminder when told "remind in Ns: TEXT",
// and reports a tool's result once it has one. "slow: N" streams N chunks ("w0 ", "w1 ", …), one
// every SLOW_CHUNK_MS, and records when the client went away before the end (for Stop).

export interface ModelServer {
  url: string;
  /** Every request body received, in order. */
  requests: Array<{ path: string; headers: http.IncomingHttpHeaders; body: any }>;
  /** Answer everything with HTTP 500 while true. */
  failing: boolean;
  /** Refuse requests that carry tools, as servers do for models without tool support. */
  noTools: boolean;
  /** Waits this long before answering (a slow model). */
  delayMs?: number;
  /**
   * Slow replies the client stopped reading before their end: when the server saw the request
   * close (performance.now() of this process) and how many of how many chunks it had written.
   */
  abandoned: Array<{ at: number; written: number; of: number }>;
  close(): Promise<void>;
}

export const SLOW_CHUNK_MS = 20;

interface Msg {
  role: string;
  content: string;
}

type Step = { kind: 'text'; chunks: string[] } | { kind: 'slow'; count: number } | { kind: 'tool'; name: string; args: Record<string, unknown> };

function script(messages: Msg[], hasTools: boolean): Step {
  const last = messages.at(-1);
  if (last?.role === 'tool') return { kind: 'text', chunks: ['The tool ', 'said: ', last.content] };
  const text = last?.content ?? '';
  if (hasTools && /what time/i.test(text)) return { kind: 'tool', name: 'get_time', args: { timezone: 'UTC' } };
  if (hasTools && /bad args/i.test(text)) return { kind: 'tool', name: 'get_time', args: { timezone: 'Mars/Olympus_Mons' } };
  const slow = /^slow: (\d+)$/.exec(text);
  if (slow) return { kind: 'slow', count: Number(slow[1]) };
  if (/^markdown please$/i.test(text)) return { kind: 'text', chunks: MARKDOWN_REPLY.match(/[\s\S]{1,24}/g)! };
  const long = /^long: (\d+)$/.exec(text);
  if (long) return { kind: 'text', chunks: [longReply(Number(long[1]))] };
  const remind = /^remind in (\d+)s: (.+)$/.exec(text);
  if (hasTools && remind) return { kind: 'tool', name: 'schedule_reminder', args: { text: remind[2], at: new Date(Date.now() + Number(remind[1]) * 1000).toISOString() } };
  const run = /^run: (.+)$/.exec(text);
  if (hasTools && run) return { kind: 'tool', name: 'exec', args: { command: run[1] } };
  // "call: TOOL {JSON}" asks for any tool by name (an MCP server's, say) with those arguments.
  const call = /^call: (\S+) (\{[\s\S]*\})$/.exec(text);
  if (hasTools && call) return { kind: 'tool', name: call[1]!, args: JSON.parse(call[2]!) as Record<string, unknown> };
  return { kind: 'text', chunks: ['You ', 'said: ', text] };
}

/**
 * Writes chunk i with `write(i)` every SLOW_CHUNK_MS, then `end()`; a client that closes the
 * request first is recorded in `state.abandoned` and nothing more is written.
 */
function streamSlowly(res: http.ServerResponse, count: number, state: ModelServer, write: (i: number) => void, end: () => void): void {
  let written = 0;
  let timer: NodeJS.Timeout | null = null;
  res.on('close', () => {
    if (res.writableEnded) return;
    if (timer) clearTimeout(timer);
    state.abandoned.push({ at: performance.now(), written, of: count });
  });
  const next = () => {
    if (res.destroyed) return;
    if (written === count) return end();
    write(written++);
    timer = setTimeout(next, SLOW_CHUNK_MS);
  };
  next();
}

export const slowChunk = (i: number) => `w${i} `;

/** The reply to "markdown please": every markdown block the dashboard renders, a link it must not make, and raw HTML it must not run. */
export const MARKDOWN_REPLY = [
  '## Plan for today',
  '',
  '- Water the **plants**',
  '- Call the bank',
  '',
  'Read [the guide](https://example.com/guide) first; [this one](javascript:alert(1)) is not a link.',
  '',
  '| Task | Minutes |',
  '| --- | --- |',
  '| Plants | 10 |',
  '| Bank | 25 |',
  '',
  '```js',
  'const total = 10 + 25;',
  'console.log(`${total} minutes`);',
  '```',
  '',
  '<b>raw html</b><img src="x" onerror="window.__pwned = 1">',
].join('\n');

/** About `size` characters of paragraphs with a fenced code block every few, numbered so order shows. */
function longReply(size: number): string {
  const parts: string[] = [];
  for (let i = 0, length = 0; length < size; i++) {
    const part = i % 7 === 6 ? `\`\`\`js\n${Array.from({ length: 12 }, (_, j) => `const line${i}_${j} = ${j}; // ünïcödé ✓`).join('\n')}\n\`\`\`` : `Paragraph ${i}: ${'words and more words, 🐦 perching. '.repeat(8).trim()}`;
    parts.push(part);
    length += part.length + 2;
  }
  return parts.join('\n\n');
}

// A deterministic embedder that knows a few synonyms, so paraphrases land near each other the way
// they do with a real embedding model: each group of words shares a dimension; any other word
// lands, with a small weight, on a dimension picked by its hash.
const CONCEPTS = [
  ['car', 'cars', 'automobile', 'vehicle', 'sedan'],
  ['key', 'keys'],
  ['spare', 'backup', 'extra', 'duplicate'],
  ['hidden', 'hide', 'under', 'beneath', 'stash', 'stashed'],
  ['parked', 'park', 'leave', 'left'],
  ['doctor', 'physician', 'dentist', 'appointment'],
  ['birthday', 'anniversary', 'celebration'],
  ['password', 'passphrase', 'pin', 'code'],
  ['pot', 'planter', 'flowerpot'],
  ['garage', 'carport', 'driveway'],
];
export const CONCEPT_DIMS = 64;
export function conceptVector(text: string): number[] {
  const v = new Array<number>(CONCEPT_DIMS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    const group = CONCEPTS.findIndex((g) => g.includes(word));
    if (group >= 0) v[group]! += 1;
    else v[CONCEPTS.length + ([...word].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % (CONCEPT_DIMS - CONCEPTS.length))]! += 0.2;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** A deterministic stand-in embedding: length, vowels and spaces of the text. */
export const fakeVector = (text: string) => [text.length, (text.match(/[aeiou]/gi) ?? []).length, (text.match(/ /g) ?? []).length];

async function readBody(req: http.IncomingMessage): Promise<any> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw ? JSON.parse(raw) : {};
}

function listen(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: any) => void, state: ModelServer): Promise<void> {
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    state.requests.push({ path: req.url ?? '', headers: req.headers, body });
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    if (state.failing) {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: 'the model crashed' }));
    }
    handler(req, res, body);
  });
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      resolve();
    }),
  );
}

export async function startOllamaServer(models: Record<string, number> = { 'tiny:1b': 4096 }): Promise<ModelServer> {
  const state = { url: '', requests: [], failing: false, noTools: false, abandoned: [], close: async () => undefined } as ModelServer;
  await listen((req, res, body) => {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.url === '/api/chat' && state.noTools && body.tools?.length) return json(400, { error: `registry.ollama.ai/library/${body.model} does not support tools` });
    if (req.url === '/api/tags') {
      return json(200, { models: Object.keys(models).map((name) => ({ name, model: name, modified_at: new Date().toISOString(), size: 1, digest: 'sha256:0', details: { family: 'llama' } })) });
    }
    if (req.url === '/api/show') {
      const ctx = models[body.model];
      if (ctx === undefined) return json(404, { error: `model '${body.model}' not found` });
      return json(200, { modelfile: '', parameters: '', template: '', details: { family: 'llama' }, model_info: { 'general.architecture': 'llama', 'llama.context_length': ctx } });
    }
    if (req.url === '/api/embed') {
      if (models[body.model] === undefined) return json(404, { error: `model '${body.model}' not found` });
      const input: string[] = Array.isArray(body.input) ? body.input : [body.input];
      return json(200, { model: body.model, embeddings: input.map(fakeVector), total_duration: 1, load_duration: 1, prompt_eval_count: input.length });
    }
    if (req.url !== '/api/chat') return json(404, { error: 'not found' });
    const step = script(body.messages, Array.isArray(body.tools) && body.tools.length > 0);
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    const line = (message: object, done = false) =>
      res.write(`${JSON.stringify({ model: body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '', ...message }, done })}\n`);
    const done = () =>
      res.end(
        `${JSON.stringify({ model: body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 1, load_duration: 1, prompt_eval_count: 42, prompt_eval_duration: 1, eval_count: 7, eval_duration: 1 })}\n`,
      );
    if (step.kind === 'slow') return streamSlowly(res, step.count, state, (i) => line({ content: slowChunk(i) }), done);
    if (step.kind === 'text') for (const chunk of step.chunks) line({ content: chunk });
    else line({ tool_calls: [{ function: { name: step.name, arguments: step.args } }] });
    done();
  }, state);
  return state;
}

export async function startOpenAIServer(): Promise<ModelServer> {
  const state = { url: '', requests: [], failing: false, noTools: false, abandoned: [], close: async () => undefined } as ModelServer;
  await listen((req, res, body) => {
    if (req.url === '/v1/chat/completions' && state.noTools && body.tools?.length) {
      // llama.cpp's server when started without a tool-capable chat template.
      res.writeHead(400, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: 400, message: 'tools param requires --jinja flag', type: 'invalid_request_error' } }));
    }
    if (req.url === '/v1/embeddings') {
      const input: string[] = Array.isArray(body.input) ? body.input : [body.input];
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Returned out of order on purpose: clients must sort by index.
      // Like the real API: base64 of little-endian float32 when asked (the official client asks).
      const encode = (v: number[]) => (body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v);
      const embedding = body.model === 'concepts' ? conceptVector : fakeVector;
      const data = input.map((text, index) => ({ object: 'embedding', index, embedding: encode(embedding(text)) })).reverse();
      return res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: input.length, total_tokens: input.length } }));
    }
    if (req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'not found' } }));
    }
    const messages: Msg[] = body.messages.map((m: { role: string; content: string | null }) => ({ role: m.role, content: m.content ?? '' }));
    const step = script(messages, Array.isArray(body.tools) && body.tools.length > 0);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    const event = (choices: unknown[], extra: object = {}) =>
      res.write(`data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: body.model, choices, ...extra })}\n\n`);
    const usage = () => body.stream_options?.include_usage && event([], { usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 } });
    if (step.kind === 'slow') {
      event([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
      return streamSlowly(res, step.count, state, (i) => event([{ index: 0, delta: { content: slowChunk(i) }, finish_reason: null }]), () => {
        event([{ index: 0, delta: {}, finish_reason: 'stop' }]);
        usage();
        res.end('data: [DONE]\n\n');
      });
    }
    if (step.kind === 'text') {
      event([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
      for (const chunk of step.chunks) event([{ index: 0, delta: { content: chunk }, finish_reason: null }]);
      event([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    } else {
      const args = JSON.stringify(step.args);
      event([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: step.name, arguments: '' } }] }, finish_reason: null }]);
      // Arguments arrive in pieces, as real servers send them.
      for (const piece of [args.slice(0, 5), args.slice(5)]) event([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, finish_reason: null }]);
      event([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]);
    }
    usage();
    res.end('data: [DONE]\n\n');
  }, state);
  return state;
}
